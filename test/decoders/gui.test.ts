import { describe, expect, test } from 'vitest';
import { translateGuiText, type GuiAction } from '../../src/decoders/index.js';

describe('translateGuiText', () => {
  test.each<[string, string, GuiAction[]]>([
    [
      'Your video is ready! Click Export to download it.',
      'Your video is ready!',
      [{ type: 'export', source: 'Click Export to download it' }],
    ],
    [
      'I added a lo-fi track, you can preview it in the timeline.',
      'I added a lo-fi track.',
      [{ type: 'timeline', source: 'you can preview it in the timeline' }],
    ],
    [
      'To download it, click Export. The intro is 3 seconds long.',
      'The intro is 3 seconds long.',
      [{ type: 'export', source: 'click Export' }],
    ],
    ['视频已生成！点击导出按钮即可下载。', '视频已生成！', [{ type: 'export', source: '点击导出按钮即可下载' }]],
    ['已添加背景音乐，可以在时间线中预览。', '已添加背景音乐。', [{ type: 'timeline', source: '可以在时间线中预览' }]],
    [
      'I trimmed the intro. Drag the clip onto the second track to reorder it.',
      'I trimmed the intro.',
      [{ type: 'chat', source: 'Drag the clip onto the second track to reorder it' }],
    ],
    ['标题已更新。拖拽片段即可调整顺序。', '标题已更新。', [{ type: 'chat', source: '拖拽片段即可调整顺序' }]],
    [
      'The title now reads "Paradise Found". Open the Text panel to see all styles.',
      'The title now reads "Paradise Found".',
      [{ type: 'state', source: 'Open the Text panel to see all styles' }],
    ],
    ['字幕已添加。打开项目面板查看。', '字幕已添加。', [{ type: 'state', source: '打开项目面板查看' }]],
    [
      'Music added. Click the Apply button to keep it.',
      'Music added.',
      [{ type: 'chat', source: 'Click the Apply button to keep it' }],
    ],
    [
      "You're out of credits. Check your account billing page to top up.",
      "You're out of credits.",
      [{ type: 'credits', source: 'Check your account billing page to top up' }],
    ],
    ['积分不足，请前往账户充值。', '积分不足。', [{ type: 'credits', source: '请前往账户充值' }]],
  ])('translates %j', (input, text, actions) => {
    expect(translateGuiText(input)).toEqual({ text, actions });
  });

  test('keeps text about the content untouched', () => {
    const input = 'The beat drop hits at 0:30 over a wide open road.\nSee nemovideo.com for the 1.5x version.';
    expect(translateGuiText(input)).toEqual({ text: input, actions: [] });
  });

  test('keeps paragraphs and lists each action type once, in order', () => {
    const result = translateGuiText(
      'Done! Click Export to save it.\n\nThe video is 30 s long. You can also hit Export later, or drag clips around.',
    );
    expect(result.text).toBe('Done!\n\nThe video is 30 s long.');
    expect(result.actions.map((a) => a.type)).toEqual(['export', 'chat']);
  });
});
