// The isomorphic URL library (runs in Node and browsers). The Node-only signer lives in ./signer.js.
export { parse, scanFilters } from './parse.js';
export { generate, generatePath, generateUnsafe, formatFloat, type PathSigner } from './generate.js';
export { paramsToJSON } from './json.js';
export { signAsync } from './web-signer.js';
export { queryUnescape, pathEscape, encodeBase64Url, decodeBase64Url } from './escape.js';
export { PARAMS_FIELDS, type Params, type Filter, type HAlign, type VAlign, type TrimBy } from './params.js';
