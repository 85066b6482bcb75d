// The HCL2 layer shared by lint's Terraform reader and the in-use readers:
//
//   const hcl = await loadHcl();               // loads the grammar once (lazily, ~25 ms)
//   const file = hcl.parse('main.tf', text);    // positioned tree; file.problems holds a syntax error
//   const ev = new HclEvaluator({ dir, files: [file] }, hcl, host);
//   const v = ev.evaluate(attribute(block.body, 'policy')!.value, file.file);
//   // v.kind === 'unknown' -> v.what names what is unknown, v.at where
//
// Offsets are UTF-16 code units of the file's text (LineIndex from ../sources/positions.js turns
// them into 1-based line/column). Evaluation is bounded (DEFAULT_HCL_BUDGET): a string longer than
// the budget or too many steps gives an `unknown` value with `tooLarge` set, never a crash.

export { loadHcl, HCL_MAX_BYTES, HCL_MAX_DEPTH, type HclParser } from './parser.js';
export { HclEvaluator, modulesOf, DEFAULT_HCL_BUDGET, type HclBudget, type HclHost, type HclModule, type HclValue, type Located } from './evaluate.js';
export { attribute, blocksOf, type HclAttribute, type HclBlock, type HclBody, type HclExpr, type HclFile, type HclSyntaxProblem, type Span, type TemplatePart, type TraversalStep } from './syntax.js';
