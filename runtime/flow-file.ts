// The Node-RED flow file's name inside the data directory.
export const FLOW_FILE = 'flows.json';
