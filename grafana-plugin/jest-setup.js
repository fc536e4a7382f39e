// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// pages load lazily (React.lazy) and the first import of @grafana/ui is slow on a shared machine
configure({ asyncUtilTimeout: 10000 });
