// In-process tests build real @aws-sdk/client-ecr clients. Under Node 20 the SDK prints a Node-22
// notice on the first client; the CLI turns it off itself (src/cli/main.ts), and so does this file
// for the test process. Child CLI runs get their own environment (test/cli/support.ts,
// test/e2e/support.ts), so the CLI's own switch stays under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
