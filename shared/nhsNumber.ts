// NHS numbers in free text. An action plan must hold no patient identifier: the rules refuse a cell holding an NHS
// number, messages never repeat one, and the collation never exports one. An NHS number is 10 digits, written
// together or as 3-3-4 with spaces or hyphens, whose last digit is the Modulus 11 check digit of the first nine.

/** 10 digits, optionally grouped 3-3-4, not part of a longer run of digits. */
const CANDIDATE = /(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/g;

/** Whether 10 digits pass the NHS Modulus 11 check: weights 10…2 on the first nine; 11 − (sum mod 11) is the tenth (11 → 0; 10 is never valid). */
export function passesModulus11(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  return (check === 11 ? 0 : check) === digits.charCodeAt(9) - 48;
}

const isNhsNumber = (candidate: string) => passesModulus11(candidate.replace(/[ -]/g, ''));

/** Whether a text holds a valid NHS number anywhere in it. */
export function holdsNhsNumber(text: string | null | undefined): boolean {
  // Most cells hold no run of three digits: skip the scan for them.
  if (!text || !/\d{3}/.test(text)) return false;
  for (const m of text.matchAll(CANDIDATE)) if (isNhsNumber(m[0])) return true;
  return false;
}

/** The text with every valid NHS number replaced by "[NHS number]", for quoting a value in a message. */
export function maskNhsNumbers(text: string): string {
  return /\d{3}/.test(text) ? text.replace(CANDIDATE, (m) => (isNhsNumber(m) ? '[NHS number]' : m)) : text;
}
