export { OPTIONS, GROUP_TITLES, envName, findOption } from './options.js';
export type {
  Config,
  OptionEntry,
  OptionGroup,
  OptionKind,
  OptionName,
  OptionSpec,
  OptionValue,
  ValueOf,
} from './options.js';
export { parseDuration, parseDurationNs, formatDuration, formatDurationNs } from './duration.js';
export { parseBool, parseInt64, parseFloat64, parseOptionValue } from './values.js';
export { loadConfig, readConfigFile } from './load.js';
export type { ConfigSource, LoadOptions, LoadResult } from './load.js';
export { renderHelp, renderOptionsMarkdown, formatDefault, isZeroDefault } from './help.js';
