#!/usr/bin/env node
// The `heatgrid` command for installs that bring their own Node (>= 22.13); from a checkout use
// `npm run heatgrid -- <command>`, which builds first and runs on the project's pinned Node 24.
import('../dist/runtime/cli/main.js');
