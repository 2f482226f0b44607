/**
 * imagor-ts as a library: `createImagor` runs the server's pipeline inside a Node program (process images,
 * mount the routes in an existing server), and the URL library builds, reads and signs imagor URLs.
 */
export {
  createImagor,
  type Imagor,
  type ImagorResult,
  type ImageInput,
  type ProcessInit,
  type CreateImagorInit,
} from './library/imagor.js';
export { optionsToConfig, type ImagorOptions, type OptionInput } from './library/options.js';
export { createSigner, signerType, type SignerType } from './path/signer.js';
export {
  parse,
  generate,
  generatePath,
  generateUnsafe,
  paramsToJSON,
  signAsync,
  type Params,
  type Filter,
  type PathSigner,
} from './path/index.js';
export type { Config } from './config/options.js';
