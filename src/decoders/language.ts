// Scripts that name one language here (docs/protocol.md › Create session wants a BCP 47 tag):
// Hangul (U+1100-11FF, U+3130-318F, U+AC00-D7AF), Cyrillic (U+0400-04FF), Arabic (U+0600-06FF,
// U+0750-077F), Hebrew (U+0590-05FF), Devanagari (U+0900-097F), Thai (U+0E00-0E7F), Greek
// (U+0370-03FF), written as the characters themselves (half the bytes of `\u` escapes).
const scripts = {
  ko: /[ᄀ-ᇿ㄰-㆏가-힯]/g,
  ru: /[Ѐ-ӿ]/g,
  ar: /[؀-ۿݐ-ݿ]/g,
  he: /[֐-׿]/g,
  hi: /[ऀ-ॿ]/g,
  th: /[฀-๿]/g,
  el: /[Ͱ-Ͽ]/g,
};
// Kana (U+3040-30FF); Han (U+3400-9FFF, U+F900-FAFF); Latin letters (a-z, U+00C0-024F).
const kanaRe = /[぀-ヿ]/g;
const hanRe = /[㐀-鿿\uf900-﫿]/g;
const latinRe = /[a-zÀ-ɏ]/gi;
// Pairs of common characters, traditional and simplified, to tell zh-TW from zh-CN.
const traditional = /[這個們說對時會為來後還點開發經過電視頻與從麼樂語題畫讓給條幫裡長場輯動軌導進預覽間爲]/g;
const simplified = /[这个们说对时会为来后还点开发经过电视频与从么乐语题画让给条帮里长场辑动轨导进预览间]/g;

const words: [string, string, RegExp?][] = [
  ['en', 'the a an and is are was you to of in it for with this that my your me i we please make can be on not what how do about at from want will would'],
  ['es', 'el la los las de que y en un una es por para con del al se lo mi su quiero hacer puedes favor como más pero está', /[ñ¿¡]/],
  ['fr', 'le la les des de du et est un une pour avec que qui je vous ce dans pas sur mon ma mes faire vidéo au aux il elle', /[œêû]/],
  ['de', 'der die das und ist ein eine nicht ich mit für zu den dem auf bitte sie es mein meine machen kannst wie auch von', /[ßäö]/],
  ['pt', 'o a os as de que e em um uma é para com do da dos das não por meu minha você quero fazer vídeo pode mais', /[ãõ]/],
  ['it', 'il lo la gli le di che e un una è per con del della non sono mi ho voglio fare puoi più anche', /[ìò]/],
];
// Each regex above is one character class without `u`: a match is one UTF-16 unit, so what a
// replace drops is the count (and, unlike `match`, it builds no array of a million matches).
const count = (text: string, re: RegExp) => text.length - text.replace(re, '').length;

/**
 * Guesses the language of a text as a BCP 47 tag, by script first and then by common words.
 *
 * Kana means `ja` (kanji alone read as Chinese: `zh-TW` when traditional characters outnumber
 * simplified ones, else `zh-CN`); Hangul `ko`; Cyrillic `ru` (`uk` with і/ї/є/ґ); Arabic script
 * `ar` (`fa` with پ/چ/ژ/گ); also `he`, `hi`, `th`, `el`. Latin text is `en`, `es`, `fr`, `de`,
 * `pt` or `it` by its most frequent function words; anything else, including an empty text, is `en`.
 */
export function detectLanguage(text: string): string {
  const kana = count(text, kanaRe);
  const han = count(text, hanRe);
  // A CJK character carries about a word; Latin letters are weighed per word of ~4 letters.
  let best = 'en';
  let top = count(text, latinRe) / 4;
  const cjk = kana * 10 >= han && kana ? 'ja' : count(text, traditional) > count(text, simplified) ? 'zh-TW' : 'zh-CN';
  for (const [lang, n] of [[cjk, kana + han] as const, ...Object.entries(scripts).map(([l, re]) => [l, count(text, re)] as const)]) {
    if (n > top) (best = lang), (top = n);
  }
  if (best !== 'en') return best === 'ru' && /[іїєґ]/i.test(text) ? 'uk' : best === 'ar' && /[پچژگ]/.test(text) ? 'fa' : best;
  const tokens = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let score = 0;
  for (const [lang, list, marks] of words) {
    const set = new Set(list.split(' '));
    let s = marks?.test(text) ? 2 : 0;
    for (const w of tokens) if (set.has(w)) s++;
    if (s > score) (best = lang), (score = s);
  }
  return best;
}
