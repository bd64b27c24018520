import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_URL, gatewayUrl } from '../src/cli.js';

describe('GATEWAY_URL=http://127.0.0.1:9001 npm run rest -w examples', () => {
  it('runs against GATEWAY_URL when no argument is given', () => {
    expect(gatewayUrl([], { GATEWAY_URL: 'http://127.0.0.1:9001' })).toBe('http://127.0.0.1:9001');
  });

  it('lets the first argument win over GATEWAY_URL', () => {
    expect(gatewayUrl(['http://10.0.0.5:8001'], { GATEWAY_URL: 'http://127.0.0.1:9001' })).toBe('http://10.0.0.5:8001');
  });

  it('falls back to the npm run dev gateway, http://127.0.0.1:8001, when neither is set', () => {
    expect(gatewayUrl([], {})).toBe(DEFAULT_GATEWAY_URL);
    expect(gatewayUrl([], { GATEWAY_URL: '' })).toBe('http://127.0.0.1:8001');
  });
});
