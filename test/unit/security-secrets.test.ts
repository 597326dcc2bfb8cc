import { describe, expect, it } from 'vitest';
import { createMasker, isEnvFile, maskSecrets } from '../../source/security/secrets.js';

const samples: readonly [string, string, string][] = [
  ['anthropic', `key sk-ant-api03-${'a1B2'.repeat(20)} end`, 'key sk-ant-…**** end'],
  ['openai project', `OPENAI sk-proj-${'Xy9_'.repeat(12)}`, 'OPENAI sk-proj-…****'],
  ['openai legacy', `sk-${'A1b2C3d4'.repeat(6)}`, 'sk-…****'],
  ['github classic', `token ghp_${'a'.repeat(36)}`, 'token ghp_…****'],
  ['github oauth', `gho_${'Z9'.repeat(18)}`, 'gho_…****'],
  ['github fine-grained', `github_pat_11ABCDEFG0${'x'.repeat(60)}`, 'github_pat_…****'],
  ['aws access key', 'aws AKIAIOSFODNN7EXAMPLE ok', 'aws AKIA…**** ok'],
  ['google', `AIza${'S'.repeat(35)}`, 'AIza…****'],
  ['slack', 'xoxb-123456789012-abcdefghijkl', 'xoxb-…****'],
  ['password assignment', 'DB_PASSWORD=hunter22', 'DB_PASSWORD=****'],
  [
    'secret assignment',
    'export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG"',
    'export AWS_SECRET_ACCESS_KEY="****"',
  ],
  ['token assignment', 'GITHUB_TOKEN: abcdef123', 'GITHUB_TOKEN: ****'],
  ['api key assignment', 'MY_API_KEY=xyz123', 'MY_API_KEY=****'],
  ['bearer header', 'Authorization: Bearer abcdefghijklmnopqrstuvwx', 'Authorization: Bearer …****'],
];

describe('maskSecrets', () => {
  it.each(samples)('masks %s', (_name, input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it('masks a key assigned to an env name once, keeping the key prefix', () => {
    expect(maskSecrets(`ANTHROPIC_API_KEY=sk-ant-api03-${'q'.repeat(40)}`)).toBe(
      'ANTHROPIC_API_KEY=sk-ant-…****',
    );
  });

  it('masks private key blocks', () => {
    const block =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';
    expect(maskSecrets(`before\n${block}\nafter`)).toBe(
      'before\n-----BEGIN OPENSSH PRIVATE KEY-----\n****\n-----END OPENSSH PRIVATE KEY-----\nafter',
    );
  });

  it('leaves ordinary code and references alone', () => {
    for (const text of [
      'const token = getToken();',
      'TOKEN=$GITHUB_TOKEN',
      'sk-learn is a library',
      'password: ""',
    ]) {
      expect(maskSecrets(text)).toBe(text);
    }
  });
});

describe('createMasker', () => {
  const key = `sk-ant-api03-${'k'.repeat(48)}`;

  it('masks a key split across chunks', () => {
    const masker = createMasker();
    const out = [
      masker.push(`log: ${key.slice(0, 20)}`),
      masker.push(`${key.slice(20)} done\nnext`),
      masker.flush(),
    ].join('');
    expect(out).toBe('log: sk-ant-…**** done\nnext');
    expect(out).not.toContain('kkkk');
  });

  it('masks every split point of a line', () => {
    const line = `A ${key} B\n`;
    for (let cut = 1; cut < line.length; cut++) {
      const masker = createMasker();
      expect(masker.push(line.slice(0, cut)) + masker.push(line.slice(cut)) + masker.flush()).toBe(
        'A sk-ant-…**** B\n',
      );
    }
  });

  it('masks private key lines as they stream', () => {
    const masker = createMasker();
    const out =
      masker.push('x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow') +
      masker.push('IBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\ny\n') +
      masker.flush();
    expect(out).toBe('x\n-----BEGIN RSA PRIVATE KEY-----\n****\n****\n-----END RSA PRIVATE KEY-----\ny\n');
  });

  it('emits an endless line in bounded pieces without splitting a key', () => {
    const masker = createMasker({ hold: 100 });
    let out = '';
    for (let i = 0; i < 20; i++) out += masker.push(`word${i} ${i === 10 ? key : 'x'.repeat(30)} `);
    expect(out.length).toBeGreaterThan(0);
    out += masker.flush();
    expect(out).toContain('sk-ant-…****');
    expect(out).not.toContain('kkkk');
  });
});

describe('createMasker: every split of every key kind', () => {
  // Long enough that the masker emits part of the unfinished line before the key arrives.
  const lead = `${'progress '.repeat(40)}at `;
  const whole = (chunks: readonly string[]): string => {
    const masker = createMasker();
    return chunks.map((chunk) => masker.push(chunk)).join('') + masker.flush();
  };

  it.each(samples)('%s: a split at any position masks it as a whole line does', (_name, input, expected) => {
    for (const ending of ['\n', ' more\n', '']) {
      const text = `${lead}${input}${ending}`;
      const masked = `${maskSecrets(lead)}${expected}${ending}`;
      // Every cut inside the key and around it.
      for (let cut = lead.length - 2; cut <= lead.length + input.length + 1; cut++) {
        expect(whole([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toBe(masked);
      }
    }
  });

  it.each(samples)('%s: one character at a time', (_name, input, expected) => {
    expect(whole([...`${lead}${input}\n`])).toBe(`${maskSecrets(lead)}${expected}\n`);
  });

  it('a secret after an escaped newline in a JSON string, emitted in two pieces between the backslash and the n', () => {
    // Its quote is still open when the first piece goes, so nothing matches yet and the cut falls
    // at the hold: right after the backslash. The rest needs the emitted `\\` to be found.
    const value = 'v'.repeat(260);
    const text = `{"text":"${'a'.repeat(300)}\\nDB_PASSWORD='${value}'"}\n`;
    const slash = text.indexOf('\\n');
    const first = text.slice(0, slash + 1 + 256);
    const masker = createMasker();
    const shown = masker.push(first);
    expect(shown.endsWith('\\')).toBe(true);
    const out = shown + masker.push(text.slice(first.length)) + masker.flush();
    expect(out).toBe(maskSecrets(text));
    expect(out).not.toContain('vvvv');
  });

  it('emits most of an unfinished line at once, holding only a tail that could still be a key', () => {
    const masker = createMasker();
    const shown = masker.push('x'.repeat(1000));
    expect(shown.length).toBeGreaterThanOrEqual(1000 - 256);
    // A key still growing at the end is held whole, however long it is.
    const key = `ghp_${'q'.repeat(500)}`;
    const held = masker.push(` ${key}`);
    expect(held).not.toContain('qqqq');
    expect(shown + held + masker.push(' done\n') + masker.flush()).toBe(
      `${'x'.repeat(1000)} ghp_…**** done\n`,
    );
  });
});

describe('isEnvFile', () => {
  it.each([
    ['.env', true],
    ['app/.env', true],
    ['.env.local', true],
    ['.env.production', true],
    ['.envrc', true],
    ['.env.example', false],
    ['.env.sample', false],
    ['env.ts', false],
    ['src/.environment.ts', false],
    ['.envoy.yaml', false],
  ])('%s → %s', (file, expected) => {
    expect(isEnvFile(file)).toBe(expected);
  });
});
