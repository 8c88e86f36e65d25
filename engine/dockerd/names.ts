// Container names: Docker's validity rule (at least two characters, first alphanumeric) and a
// generated `adjective_surname` name when none is given. The word lists are our own.
import * as E from './errors.js';

const VALID = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Returns the canonical name with its leading slash, or throws Docker's text. */
export function validateName(name: string): string {
  if (!VALID.test(name)) throw E.invalidContainerName(name);
  return name.startsWith('/') ? name : `/${name}`;
}

const LEFT = [
  'agile', 'bold', 'brave', 'calm', 'clever', 'cool', 'crisp', 'eager', 'fast', 'fond', 'gentle', 'happy',
  'keen', 'kind', 'lucid', 'merry', 'neat', 'nimble', 'proud', 'quiet', 'quick', 'sharp', 'shy', 'steady',
  'sunny', 'swift', 'tender', 'tidy', 'vivid', 'wise', 'witty', 'zen',
];
const RIGHT = [
  'babbage', 'boole', 'cerf', 'dijkstra', 'euler', 'gauss', 'hamming', 'hopper', 'kernighan', 'knuth',
  'lamport', 'liskov', 'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson',
  'torvalds', 'turing', 'wirth', 'wozniak', 'hoare', 'backus', 'codd', 'allen', 'perlman', 'goldberg',
];

export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const l = LEFT[Math.floor(Math.random() * LEFT.length)];
    const r = RIGHT[Math.floor(Math.random() * RIGHT.length)];
    const n = i < 10 ? `/${l}_${r}` : `/${l}_${r}${Math.floor(Math.random() * 10)}`;
    if (!taken(n)) return n;
  }
}
