/** Version printed by `syscage --version` and recorded in build manifests and SARIF logs. */
export const version = '0.1.0';
