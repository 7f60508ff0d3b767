const UNEXPECTED_TOKEN = /^Unexpected token '?(.)'?(,)? /i;
const { readUserInfo } = require('./read-user-info');

async function changePassword(npm) {
  const password = await readUserInfo.password('Current password: ');
  const newPassword = await readUserInfo.password('            New: ');
  const confirmedPassword = await readUserInfo.password('       Again:     ');
  if (newPassword !== confirmedPassword) {
    throw new Error('passwords do not match');
  }
  return npm.profile.set({ password: { old: password, new: newPassword } });
}

// Keys that sign the package manager's own releases: public.
const keys = [
  { keyid: 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA', key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==' },
];

module.exports = { changePassword, keys, UNEXPECTED_TOKEN };
