// Node-RED settings a utility may tune (editor theme, logging, palette policy, context stores).
// The host (runtime/server.ts) adds what must not be weakened: userDir, flowFile, credentialSecret,
// adminAuth backed by Heatgrid's users, and the URL roots. See README "Configuration".
export default function nodeRedSettings({ logLevel }) {
  return {
    flowFilePretty: true,
    // Close handlers (pollers, buffers) get this long on stop or redeploy.
    nodeCloseTimeout: 15000,
    apiMaxLength: '5mb',
    logging: {
      console: { level: logLevel, metrics: false, audit: false },
    },
    // The palette is part of the product: no installs from the editor in a hosted runtime.
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    functionTimeout: 5,
    diagnostics: { enabled: true, ui: true },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: {
      page: { title: 'Heatgrid · flows' },
      header: { title: 'Heatgrid' },
      projects: { enabled: false },
      tours: false,
      palette: { categories: ['district heating', 'common', 'function', 'network', 'sequence', 'parser', 'storage'] },
    },
    exportGlobalContextKeys: false,
  };
}
