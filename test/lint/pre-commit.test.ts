import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The pre-commit hook passes Terraform files to lint, and the README says which files it reads.

describe('.pre-commit-hooks.yaml', () => {
  const hooks = readFileSync('.pre-commit-hooks.yaml', 'utf8');
  const pattern = new RegExp(/^\s*files:\s*(.+)$/m.exec(hooks)![1]!.trim());

  it.each(['infra/main.tf', 'infra/main.tf.json', 'terraform.tfstate', 'plan.json', 'stack.yaml', 'stack.yml', 'stack.template'])('runs on %s', (file) => {
    expect(pattern.test(file)).toBe(true);
  });

  it.each(['README.md', 'app.ts', 'main.tfvars'])('does not run on %s', (file) => {
    expect(pattern.test(file)).toBe(false);
  });

  it('is documented with the same pattern', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(`\`files: ${pattern.source}\``);
  });
});
