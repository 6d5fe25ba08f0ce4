#!/usr/bin/env node
import { runSupervised } from '../dist/supervisor.js';
runSupervised(process.argv);
