import type { DomainSpec } from './domains';
import { SQL_KEYWORDS } from '../data/sql-text';
import { pick } from './templates';

/**
 * Procedural domains for the default model's pretraining corpus: the same
 * three-table shape as the dataset's domains, with table and column names drawn
 * from word pools. Thousands of distinct schemas teach the small model to copy
 * identifiers from the schema it is shown instead of remembering a few fixed
 * domains - the skill the held-out test domains need. Either words naming a held-out
 * domain's tables are excluded by the caller, or (`domainWordPools`) every domain's
 * words are pooled and no noun meets its own domain's columns: no test schema leaks in.
 */

// [singular, plural] nouns for grouping and entity tables.
const THINGS: [string, string][] = [
  ['garden', 'gardens'], ['museum', 'museums'], ['library', 'libraries'], ['studio', 'studios'], ['bakery', 'bakeries'],
  ['factory', 'factories'], ['harbor', 'harbors'], ['camp', 'camps'], ['gallery', 'galleries'], ['market', 'markets'],
  ['theater', 'theaters'], ['station', 'stations'], ['workshop', 'workshops'], ['kitchen', 'kitchens'], ['lab', 'labs'],
  ['park', 'parks'], ['mine', 'mines'], ['vineyard', 'vineyards'], ['brewery', 'breweries'], ['club', 'clubs'],
  ['team', 'teams'], ['office', 'offices'], ['depot', 'depots'], ['shelter', 'shelters'], ['garage', 'garages'],
  ['pharmacy', 'pharmacies'], ['arena', 'arenas'], ['marina', 'marinas'], ['orchard', 'orchards'], ['ranch', 'ranches'],
  ['festival', 'festivals'], ['venue', 'venues'], ['campus', 'campuses'], ['zoo', 'zoos'], ['aquarium', 'aquariums'],
  ['bridge', 'bridges'], ['tunnel', 'tunnels'], ['dam', 'dams'], ['port', 'ports'], ['quarry', 'quarries'],
  ['boat', 'boats'], ['truck', 'trucks'], ['drone', 'drones'], ['robot', 'robots'], ['sensor', 'sensors'],
  ['machine', 'machines'], ['printer', 'printers'], ['engine', 'engines'], ['bicycle', 'bicycles'], ['scooter', 'scooters'],
  ['book', 'books'], ['painting', 'paintings'], ['song', 'songs'], ['album', 'albums'], ['film', 'films'],
  ['recipe', 'recipes'], ['course', 'courses'], ['exhibit', 'exhibits'], ['plant', 'plants'], ['tree', 'trees'],
  ['animal', 'animals'], ['horse', 'horses'], ['volunteer', 'volunteers'], ['author', 'authors'], ['chef', 'chefs'],
  ['pilot', 'pilots'], ['nurse', 'nurses'], ['driver', 'drivers'], ['member', 'members'], ['student', 'students'],
  ['tenant', 'tenants'], ['vendor', 'vendors'], ['supplier', 'suppliers'], ['client', 'clients'], ['donor', 'donors'],
  ['athlete', 'athletes'], ['coach', 'coaches'], ['mentor', 'mentors'], ['ranger', 'rangers'], ['guide', 'guides'],
  ['engineer', 'engineers'], ['designer', 'designers'], ['farmer', 'farmers'], ['miner', 'miners'], ['sailor', 'sailors'],
  ['game', 'games'], ['app', 'apps'], ['device', 'devices'], ['server', 'servers'], ['satellite', 'satellites'],
  ['telescope', 'telescopes'], ['reactor', 'reactors'], ['turbine', 'turbines'], ['pump', 'pumps'], ['valve', 'valves'],
  ['tool', 'tools'], ['kit', 'kits'], ['package', 'packages'], ['container', 'containers'], ['pallet', 'pallets'],
  ['building', 'buildings'], ['room', 'rooms'], ['apartment', 'apartments'], ['cabin', 'cabins'], ['tent', 'tents'],
  ['river', 'rivers'], ['lake', 'lakes'], ['forest', 'forests'], ['island', 'islands'], ['trail', 'trails'],
  ['school bus', 'school buses'], ['food truck', 'food trucks'], ['art class', 'art classes'], ['wind farm', 'wind farms'],
  ['bus route', 'bus routes'], ['data center', 'data centers'], ['call center', 'call centers'], ['fire station', 'fire stations'],
];

// [singular, plural] nouns for event tables.
const EVENTS: [string, string][] = [
  ['order', 'orders'], ['visit', 'visits'], ['inspection', 'inspections'], ['delivery', 'deliveries'], ['payment', 'payments'],
  ['repair', 'repairs'], ['rental', 'rentals'], ['review', 'reviews'], ['shift', 'shifts'], ['trip', 'trips'],
  ['session', 'sessions'], ['donation', 'donations'], ['reading', 'readings'], ['loan', 'loans'], ['purchase', 'purchases'],
  ['incident', 'incidents'], ['audit', 'audits'], ['checkup', 'checkups'], ['lesson', 'lessons'], ['performance', 'performances'],
  ['tour', 'tours'], ['claim', 'claims'], ['refund', 'refunds'], ['download', 'downloads'], ['measurement', 'measurements'],
  ['launch', 'launches'], ['race', 'races'], ['match', 'matches'], ['screening', 'screenings'], ['test run', 'test runs'],
  ['service call', 'service calls'], ['maintenance job', 'maintenance jobs'], ['sale', 'sales'], ['trade', 'trades'], ['shipment', 'shipments'],
];

// [column, phrase, min, max, integer]
const MEASURES: [string, string, number, number, boolean][] = [
  ['price', 'price', 2, 900, false], ['cost', 'cost', 10, 5000, false], ['weight_kg', 'weight in kilograms', 1, 3000, false],
  ['score', 'score', 0, 100, true], ['rating', 'rating', 1, 10, false], ['length_m', 'length in meters', 1, 800, false],
  ['budget', 'budget', 1000, 90000, true], ['revenue', 'revenue', 100, 99000, false], ['duration_minutes', 'duration in minutes', 5, 600, true],
  ['quantity', 'quantity', 1, 500, true], ['capacity', 'capacity', 10, 5000, true], ['height_cm', 'height in centimeters', 20, 400, true],
  ['distance_km', 'distance in kilometers', 1, 2000, false], ['temperature', 'temperature', 1, 45, false], ['volume_liters', 'volume in liters', 1, 9000, false],
  ['age_years', 'age in years', 1, 90, true], ['speed_kmh', 'speed in km per hour', 5, 300, true], ['visitors', 'number of visitors', 10, 90000, true],
  ['area_sqm', 'area in square meters', 20, 9000, false], ['fee', 'fee', 5, 800, false], ['salary', 'salary', 30000, 150000, true],
  ['points', 'points', 0, 99, true], ['hours', 'hours', 1, 80, true], ['units', 'units', 1, 900, true], ['energy_kwh', 'energy in kWh', 1, 5000, false],
  ['members', 'number of members', 2, 4000, true], ['tips', 'tips', 1, 300, false], ['discount', 'discount', 1, 60, true],
  ['battery_level', 'battery level', 1, 100, true], ['depth_m', 'depth in meters', 1, 600, false], ['pages', 'number of pages', 20, 1200, true],
];

// [column suffix, phrase, values]: the entity's category column.
const KINDS: [string, string, string][] = [
  ['type', 'type', 'standard|premium|basic|deluxe|compact'], ['status', 'status', 'active|paused|retired|pending'],
  ['category', 'category', 'alpha|beta|gamma|delta|omega'], ['color', 'color', 'red|blue|green|black|white|yellow'],
  ['size', 'size', 'small|medium|large|extra large'], ['grade', 'grade', 'A|B|C|D'], ['level', 'level', 'beginner|intermediate|advanced|expert'],
  ['material', 'material', 'steel|wood|plastic|glass|copper'], ['brand', 'brand', 'Acme|Globex|Initech|Umbrella|Vortex'],
  ['language', 'language', 'English|Spanish|French|German|Hindi'], ['priority', 'priority', 'low|normal|high|urgent'],
  ['tier', 'tier', 'bronze|silver|gold|platinum'], ['style', 'style', 'modern|classic|rustic|minimal'], ['shift', 'shift', 'morning|evening|night'],
];

// [column, phrase, values]: the grouping table's place-like column.
const PLACES: [string, string, string][] = [
  ['city', 'city', 'Lisbon|Osaka|Toronto|Nairobi|Lima|Oslo|Perth|Quito'], ['country', 'country', 'Peru|Kenya|Norway|Japan|Italy|Chile|Ghana|India'],
  ['region', 'region', 'north|south|east|west|central'], ['state', 'state', 'Utah|Iowa|Maine|Idaho|Vermont|Georgia'],
  ['district', 'district', 'Harbor|Old Town|Uptown|Riverside|Midtown'], ['zone', 'zone', 'Zone 1|Zone 2|Zone 3|Zone 4'],
  ['province', 'province', 'Alberta|Ontario|Quebec|Manitoba'], ['continent', 'continent', 'Europe|Asia|Africa|Oceania|America'],
];

const NAME_A = 'Silver|North|Golden|Blue|Red|Green|Quiet|Bright|Old|New|Stone|Maple|Cedar|River|Sunny|Iron|Crystal|Rapid|Lucky|Wild|Royal|Little|Grand|Twin'.split('|');
const NAME_B = 'Oak|Harbor|Peak|Valley|Star|Falcon|Bridge|Field|Point|Hill|Ridge|Lake|Creek|Forge|Arrow|Wolf|Comet|Meadow|Crown|Pine|Bay|Rock|Wave|Cloud'.split('|');

const snake = (words: string): string => words.replace(/ /g, '_');
const split = (s: string): string[] => s.split('|');

function names(random: () => number, n: number, prefix: string): string[] {
  const out = new Set<string>();
  const style = random();
  while (out.size < n) {
    if (style < 0.6) out.add(`${pick(random, NAME_A)} ${pick(random, NAME_B)}`);
    else if (style < 0.8) out.add(`${pick(random, NAME_B)} ${prefix}`);
    else out.add(`${prefix.slice(0, 2).toUpperCase()}-${100 + Math.floor(random() * 900)}`);
  }
  return [...out];
}

/**
 * Every word the generators name things with - the fixed domains' (held-out ones
 * included) and the procedural pools' - for the tokenizer's vocabulary, not the
 * model's corpus: a real tokenizer knows English words whole, and a name split into
 * five pieces is five chances to copy it wrong.
 */
export function lexiconWords(domains: readonly DomainSpec[]): string[] {
  const words = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string') for (const w of value.match(/\p{L}{2,}/gu) ?? []) words.add(w);
    else if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === 'object') Object.values(value).forEach(add);
  };
  [domains, THINGS, EVENTS, MEASURES, KINDS, PLACES, NAME_A, NAME_B].forEach(add);
  return [...words].sort();
}

const capital = (w: string): string => w.replace(/\b[a-z]/g, (c) => c.toUpperCase());

const ONSETS = 'b|d|f|g|k|l|m|n|p|r|s|t|v|z|br|dr|gl|kr|pl|st|tr|sk'.split('|');
const VOWELS = 'a|e|i|o|u|ai|ou|ee'.split('|');
const CODAS = '||||n|r|l|m|k|x'.split('|');

/** A pronounceable word no one has seen ("brelmox"), with its plural. */
export function inventedNoun(random: () => number): [string, string] {
  const syllables = 2 + Math.floor(random() * 2);
  let word = '';
  for (let i = 0; i < syllables; i++) word += pick(random, ONSETS) + pick(random, VOWELS) + (i === syllables - 1 ? pick(random, CODAS) : '');
  return [word, /(s|x)$/.test(word) ? `${word}es` : `${word}s`];
}

type Noun = [one: string, many: string];
type Measure = [column: string, phrase: string, min: number, max: number, int: boolean];
type Category = [column: string, phrase: string, values: string];

/**
 * What a procedural schema's names are drawn from. `domains` maps a noun (singular) or a
 * column to the fixed domains that use it; the generic pools alone map nothing.
 */
export interface WordPools {
  things: Noun[];
  events: Noun[];
  measures: Measure[];
  kinds: Category[];
  places: Category[];
  labels: { column: string; values: string[] }[];
  dates: { column: string; phrase: string }[];
  domains: Map<string, Set<string>>;
}

const GENERIC_POOLS: WordPools = { things: THINGS, events: EVENTS, measures: MEASURES, kinds: KINDS, places: PLACES, labels: [], dates: [], domains: new Map() };

/**
 * The generic pools plus every fixed domain's nouns and columns (held-out domains'
 * included): schemas drawn from them use every word a test schema uses - as a general
 * model has met every English word - while `syntheticDomain` never gives a noun a column
 * of a domain that noun belongs to, so no fixed table recurs.
 */
export function domainWordPools(domains: readonly DomainSpec[]): WordPools {
  const pools: WordPools = { things: [...THINGS], events: [...EVENTS], measures: [...MEASURES], kinds: [...KINDS], places: [...PLACES], labels: [], dates: [], domains: new Map() };
  const tag = (name: string, domain: string) => pools.domains.set(name, (pools.domains.get(name) ?? new Set()).add(domain));
  for (const d of domains) {
    pools.things.push([d.g.one, d.g.many], [d.e.one, d.e.many]);
    pools.events.push([d.f.one, d.f.many]);
    pools.measures.push([d.e.num, d.e.numPhrase, d.e.min, d.e.max, d.e.int], [d.f.num, d.f.numPhrase, d.f.min, d.f.max, d.f.int]);
    pools.kinds.push([d.e.cat, d.e.catPhrase, d.e.cats.join('|')]);
    pools.places.push([d.g.cat, d.g.catPhrase, d.g.cats.join('|')]);
    pools.labels.push({ column: d.e.label, values: d.e.labels });
    pools.dates.push({ column: d.f.date, phrase: d.f.datePhrase });
    for (const name of [d.g.one, d.e.one, d.f.one, d.g.cat, d.e.cat, d.e.num, d.e.label, d.f.num, d.f.date]) tag(name, d.name);
  }
  return pools;
}

/**
 * One procedural domain; `exclude` lists words (singular or plural) that must not name a table.
 * `invented` domains name their tables with made-up words, which no amount of memorising
 * predicts: only copying from the schema and the question gets them right.
 */
export function syntheticDomain(random: () => number, index: number, exclude: ReadonlySet<string>, invented = false, pools: WordPools = GENERIC_POOLS): DomainSpec {
  const allowed = ([one, many]: [string, string]) => !exclude.has(one) && !exclude.has(many);
  const things = pools.things.filter(allowed);
  const events = pools.events.filter(allowed);
  const noun = (pool: [string, string][]): [string, string] => {
    if (!invented) return pick(random, pool);
    let candidate = inventedNoun(random);
    while (!allowed(candidate) || SQL_KEYWORDS.has(candidate[0].toUpperCase()) || SQL_KEYWORDS.has(candidate[1].toUpperCase())) candidate = inventedNoun(random);
    return candidate;
  };
  /** An item of `pool` (a column) no fixed domain of the noun `owner` uses (with the generic pools, any item). */
  const clashes = (column: string, owner: Noun) => [...(pools.domains.get(column) ?? [])].some((d) => pools.domains.get(owner[0])?.has(d));
  const unlike = <T extends readonly unknown[] | { column: string }>(pool: readonly T[], owner: Noun): T => {
    const column = (item: T) => (Array.isArray(item) ? item[0] : (item as { column: string }).column);
    let item = pick(random, pool);
    while (clashes(column(item), owner)) item = pick(random, pool);
    return item;
  };
  const gNoun = noun(things);
  const [gOne, gMany] = gNoun;
  let eNoun = noun(things);
  while (eNoun[0] === gOne) eNoun = noun(things);
  const [eOne, eMany] = eNoun;
  let fNoun = noun(events);
  while (fNoun[0] === gOne || fNoun[0] === eOne) fNoun = noun(events);
  const [fOne, fMany] = fNoun;
  const place = unlike(pools.places, gNoun);
  const kind = unlike(pools.kinds, eNoun);
  const eMeasure = unlike(pools.measures, eNoun);
  let fMeasure = unlike(pools.measures, fNoun);
  while (fMeasure[0] === eMeasure[0]) fMeasure = unlike(pools.measures, fNoun);
  // Category columns are sometimes bare ("status"), sometimes prefixed ("boat_status") as real schemas mix both.
  const kindColumn = random() < 0.5 || kind[0].includes('_') ? kind[0] : `${snake(eOne)}_${kind[0]}`;
  // Only the entity's label is sometimes a bare word: two tables with the same bare column would make joins ambiguous.
  const fixedLabel = pools.labels.length && random() < 0.3 ? unlike(pools.labels, eNoun) : null;
  const eLabel = fixedLabel?.column ?? (random() < 0.8 || clashes('title', eNoun) ? `${snake(eOne)}_name` : 'title');
  const fixedDate = pools.dates.length && random() < 0.3 ? unlike(pools.dates, fNoun) : null;
  return {
    name: `synthetic ${index}`,
    description: `${capital(gMany)}, their ${eMany} and the ${fMany} of those ${eMany}.`,
    g: {
      table: snake(gMany), id: `${snake(gOne)}_id`, one: gOne, many: gMany, label: `${snake(gOne)}_name`,
      labels: names(random, 5, capital(gOne)), cat: place[0], catPhrase: place[1], cats: split(place[2]),
    },
    e: {
      table: snake(eMany), id: `${snake(eOne)}_id`, one: eOne, many: eMany, label: eLabel,
      labels: fixedLabel?.values ?? names(random, 8, capital(eOne)), cat: kindColumn, catPhrase: kindColumn.includes('_') ? kindColumn.replace(/_/g, ' ') : kind[1], cats: split(kind[2]),
      num: eMeasure[0], numPhrase: eMeasure[1], min: eMeasure[2], max: eMeasure[3], int: eMeasure[4],
    },
    f: {
      table: snake(fMany), id: `${snake(fOne)}_id`, one: fOne, many: fMany,
      num: fMeasure[0], numPhrase: fMeasure[1], min: fMeasure[2], max: fMeasure[3], int: fMeasure[4],
      date: fixedDate?.column ?? `${snake(fOne)}_date`, datePhrase: fixedDate?.phrase ?? `${fOne} date`,
    },
  };
}
