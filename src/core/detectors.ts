/**
 * Column-name detectors: a column whose name says what it holds gets a label even when nobody
 * configured one. Names are compared as lower-case words (`billingEmail`, `BILLING_EMAIL` and
 * `billing-email` all read as `billing_email`); each pattern must match whole words.
 */
export interface Detector {
  readonly name: string;
  readonly label: string;
  readonly pattern: RegExp;
}

const words = (alternatives: string) => new RegExp(`(?:^|_)(?:${alternatives})(?:_|$)`);
const ending = (alternatives: string) => new RegExp(`(?:^|_)(?:${alternatives})$`);

export const DETECTORS: readonly Detector[] = [
  { name: 'email', label: 'pii', pattern: words('e_?mail|email_?address|e_?mail_?addr') },
  { name: 'phone', label: 'pii', pattern: words('phone|telephone|mobile|cell_?phone|msisdn|tel|fax') },
  {
    name: 'ssn',
    label: 'pii',
    pattern: words(
      'ssn|social_security(?:_number|_no)?|national_id|national_insurance(?:_number)?|nino|tax_id|tin|passport(?:_number|_no)?|drivers?_licen[cs]e',
    ),
  },
  { name: 'birth date', label: 'pii', pattern: words('dob|date_of_birth|birth_?date|birth_?day|birthday') },
  {
    name: 'address',
    label: 'pii',
    pattern: words('address|addr|street(?:_address)?|address_line_?\\d|postcode|postal_code|zip_?code|zip'),
  },
  {
    name: 'personal name',
    label: 'pii',
    pattern: words('first_?name|last_?name|full_?name|surname|given_name|family_name|maiden_name'),
  },
  { name: 'ip address', label: 'pii', pattern: words('ip|ip_?addr(?:ess)?|client_ip|remote_ip') },
  {
    name: 'card number',
    label: 'financial',
    pattern: words('card_?(?:number|no|num)|cc_?(?:number|num|no)|credit_?card|pan|cvv|cvc'),
  },
  {
    name: 'bank account',
    label: 'financial',
    pattern: words('iban|account_?number|bank_?account|routing_?number|sort_?code|swift|bic'),
  },
  { name: 'salary', label: 'financial', pattern: words('salary|salaries|compensation|bonus|wage|wages|payroll') },
  { name: 'password', label: 'secret', pattern: words('password|passwd|pwd|passphrase|password_?hash|pass_?hash') },
  {
    name: 'secret',
    label: 'secret',
    pattern: ending(
      'secret|client_secret|api_?key|private_?key|secret_?key|access_?key|token|auth_?token|access_?token|refresh_?token|session_?token|credentials?',
    ),
  },
];

/** `billingEmail` → `billing_email`; `Home-Address` → `home_address`. */
export function normaliseColumnName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The detectors whose pattern matches the column name. */
export function detectColumn(name: string, detectors: readonly Detector[] = DETECTORS): Detector[] {
  const normalised = normaliseColumnName(name);
  return detectors.filter((d) => d.pattern.test(normalised));
}
