/** The package version, sent as `X-Skill-Version` by default (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
