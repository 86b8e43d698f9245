/**
 * Where ffiguard lives: SARIF `informationUri`, rule `helpUri`s and the README point here, and
 * package.json's `repository` and `homepage` name the same place (test/sarif.test.ts keeps them in step).
 */
export const PROJECT_URL = 'https://github.com/ffiguard/ffiguard';

/** The branch whose docs/ rule pages the SARIF `helpUri`s link to. */
export const DOCS_BRANCH = 'main';
