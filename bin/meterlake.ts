#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildMeterlakeApp } from '../lib/meterlake-app';

buildMeterlakeApp(new App());
