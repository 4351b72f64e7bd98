import { describe, expect, test } from 'vitest';
import { routeIntent, type Intent } from '../../src/decoders/index.js';

describe('routeIntent', () => {
  test.each<[string, Intent]>([
    ['export', 'export'],
    ['Export the video please', 'export'],
    ['Can I download it?', 'export'],
    ['send me the video', 'export'],
    ['Just send it to me', 'export'],
    ['导出', 'export'],
    ['帮我导出视频', 'export'],
    ['下载视频', 'export'],
    ['把视频发给我', 'export'],
    ['credits', 'credits'],
    ['How many credits do I have left?', 'credits'],
    ["What's my balance?", 'credits'],
    ['balance', 'credits'],
    ['我还有多少积分', 'credits'],
    ['查一下余额', 'credits'],
    ['status', 'status'],
    ['What is the status of my video?', 'status'],
    ['show tracks', 'status'],
    ['Show me the timeline', 'status'],
    ['状态', 'status'],
    ['现在进度怎么样', 'status'],
    ['upload', 'upload'],
    ['I want to upload a clip', 'upload'],
    ['上传素材', 'upload'],
    ['generate a 30-second video about a coffee brand launch', 'chat'],
    ['add BGM', 'chat'],
    ['make the intro shorter', 'chat'],
    ['给视频加上背景音乐', 'chat'],
    ['hello', 'chat'],
    ['', 'chat'],
  ])('routes %j to %s', (text, intent) => {
    expect(routeIntent(text)).toBe(intent);
  });

  test.each<[string, Intent]>([
    // Whole words only: a past tense or a longer word is not the command.
    ['I exported the colors wrong, fix them', 'chat'],
    ['the downloaded file looks fine', 'chat'],
    ['I already uploaded it', 'chat'],
    ['我已经上传了视频', 'chat'],
    // Routing words inside an editing request stay with the agent.
    ['add credits text at the end', 'chat'],
    ['show the end credits for longer', 'chat'],
    ['make a status bar animation', 'chat'],
    ['生成视频然后导出', 'chat'],
    ['balance the audio levels of the voice', 'chat'],
  ])('keeps the edge case %j as %s', (text, intent) => {
    expect(routeIntent(text)).toBe(intent);
  });

  test.each<[unknown, Intent]>([
    [1, 'upload'],
    [[{ name: 'clip.mp4' }], 'upload'],
    [0, 'export'],
    [[], 'export'],
  ])('routes an attachment of %j to %s', (attachments, intent) => {
    expect(routeIntent('export', { attachments: attachments as number })).toBe(intent);
  });

  test('puts an attached file before an editing request', () => {
    expect(routeIntent('add this as the background music', { attachments: 1 })).toBe('upload');
  });
});
