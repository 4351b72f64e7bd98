import { describe, expect, test } from 'vitest';
import { detectLanguage } from '../../src/decoders/index.js';

describe('detectLanguage', () => {
  test.each<[string, string]>([
    ['generate a 30-second video about a coffee brand launch', 'en'],
    ['Make a 30 second video about a coffee brand launch', 'en'],
    ['帮我做一个30秒的咖啡品牌宣传视频', 'zh-CN'],
    ['幫我做一個咖啡品牌的宣傳影片，這個要快一點', 'zh-TW'],
    ['コーヒーブランドの発表動画を作ってください', 'ja'],
    ['東京の夜景の動画', 'ja'],
    ['커피 브랜드 런칭 영상을 만들어 주세요', 'ko'],
    ['Haz un video de 30 segundos sobre el lanzamiento de una marca de café', 'es'],
    ['¿Puedes añadir música?', 'es'],
    ['Fais une vidéo de 30 secondes sur le lancement de la marque de café', 'fr'],
    ['Mach bitte ein Video über die Einführung der Kaffeemarke', 'de'],
    ['Сделай 30-секундное видео о запуске кофейного бренда', 'ru'],
    ['Зроби відео про запуск кавового бренду', 'uk'],
    ['اصنع فيديو مدته 30 ثانية عن إطلاق علامة تجارية للقهوة', 'ar'],
    ['Faça um vídeo de 30 segundos sobre o lançamento da marca de café, por favor', 'pt'],
    ['Fai un video di 30 secondi sul lancio del marchio di caffè', 'it'],
    ['कॉफी ब्रांड के लॉन्च के बारे में वीडियो बनाओ', 'hi'],
    ['ทำวิดีโอเกี่ยวกับแบรนด์กาแฟ', 'th'],
    ['Make a video called 東京', 'en'],
    ['做一个关于 coffee 的视频', 'zh-CN'],
    ['', 'en'],
    ['12345 !!!', 'en'],
  ])('reads %j as %s', (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
  });
});
