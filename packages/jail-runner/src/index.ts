// Public API of @syscage/jail-runner.
export {};
