/**
 * Batches that waste little on padding and are reproducible from the seed: each
 * epoch's order is a pure function of (seed, epoch), so a resumed run continues
 * with exactly the batches an uninterrupted one would have seen.
 */

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller over seededRandom), for reproducible random weights. */
export function seededGaussian(seed: number): () => number {
  const random = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** How many batches of similar length are sorted together (transformers' LengthGroupedSampler uses 50). */
const MEGABATCH = 50;

/**
 * The batches of one epoch as lists of example indices: shuffle, cut into
 * megabatches, sort each by length (longest first), chunk into batches. Lengths
 * inside a batch are then close, so padding is small, while the order stays random.
 */
export function epochBatches(lengths: number[], batchSize: number, seed: number, epoch: number): number[][] {
  const random = seededRandom(seed * 1000003 + epoch);
  const order = shuffle(
    lengths.map((_, i) => i),
    random,
  );
  const batches: number[][] = [];
  const megaSize = batchSize * MEGABATCH;
  for (let start = 0; start < order.length; start += megaSize) {
    const mega = order.slice(start, start + megaSize).sort((a, b) => lengths[b] - lengths[a] || a - b);
    for (let i = 0; i < mega.length; i += batchSize) batches.push(mega.slice(i, i + batchSize));
  }
  return batches;
}

/** Share of token slots that are padding when every batch is padded to its longest example. */
export function paddingWaste(batches: number[][], lengths: number[]): number {
  let slots = 0;
  let tokens = 0;
  for (const batch of batches) {
    const longest = Math.max(...batch.map((i) => lengths[i]));
    slots += longest * batch.length;
    tokens += batch.reduce((sum, i) => sum + lengths[i], 0);
  }
  return slots === 0 ? 0 : 1 - tokens / slots;
}
