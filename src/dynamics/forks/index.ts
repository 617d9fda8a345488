// Forks: a population of kept elements splitting into branches (population.ts), layers of
// one statistic separating into groups (layer.ts), and the shared pieces they use.

export { kMeans1d, kMeans1dBruteForce } from "./kmeans1d.js";
export type { KMeans1dResult } from "./kmeans1d.js";
export { DEFAULT_FORK_PERSISTENCE, findStableFork, labelAgreement } from "./stability.js";
export type { CheckpointGrouping, StableFork, StableForkOptions } from "./stability.js";
export { encodeMembership, decodeMembership } from "./membership.js";
export type { EncodedMembership } from "./membership.js";
export {
  detectPopulationFork,
  populationSplit,
  DEFAULT_POPULATION_SEPARATION,
  DEFAULT_MIN_BRANCH_FRACTION,
  DEFAULT_POPULATION_AGREEMENT,
  MEMBER_LISTS_MAX_ELEMENTS,
  SEPARATION_CAP,
} from "./population.js";
export type { ForkConfirmation, PopulationForkOptions, PopulationForkResult, PopulationSplit } from "./population.js";
export { detectLayerFork, layerGrouping, layerNoiseScale, DEFAULT_LAYER_GAP, THREE_GROUP_RELATIVE_GAP } from "./layer.js";
export type { LayerForkOptions, LayerForkResult, LayerGrouping } from "./layer.js";
