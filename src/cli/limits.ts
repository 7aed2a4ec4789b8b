/** Largest change `check` reads, in characters: far above any real migration, bounded on purpose. */
export const MAX_CHANGE_LENGTH = 1_000_000;

/** Largest answer `review` reads, in characters. */
export const MAX_ANSWER_LENGTH = 5_000_000;
