'use strict';

const axios = require('axios');

const CancelToken = axios.CancelToken;
const DEFAULT_TIMEOUT = 10000;

class ApiClient {
  constructor({ baseURL, apiKey, getToken }) {
    this.apiKey = apiKey;
    this.getToken = getToken;
    this.http = axios.create({ baseURL, timeout: DEFAULT_TIMEOUT });
    this.http.interceptors.request.use(async (config) => {
      const token = await this.getToken();
      if (token) {
        config.headers.Authorization = `Bearer ${token}`;
      }
      if (this.apiKey) {
        config.headers['X-Api-Key'] = this.apiKey;
      }
      return config;
    });
  }

  async get(path, params = {}) {
    const source = CancelToken.source();
    const timer = setTimeout(() => source.cancel('timeout'), DEFAULT_TIMEOUT);
    try {
      const res = await this.http.get(path, { params, cancelToken: source.token });
      return res.data;
    } finally {
      clearTimeout(timer);
    }
  }

  async login(username, password) {
    const { data } = await this.http.post('/auth/login', { username, password });
    const { access_token: accessToken, refresh_token: refreshToken, token_type: tokenType } = data;
    return { accessToken, refreshToken, tokenType };
  }
}

function parseJwt(token) {
  const [, payload] = token.split('.');
  const json = Buffer.from(payload, 'base64url').toString('utf8');
  return JSON.parse(json);
}

function isExpired(token, skewSeconds = 30) {
  const { exp } = parseJwt(token);
  return Date.now() / 1000 + skewSeconds >= exp;
}

module.exports = { ApiClient, parseJwt, isExpired };
