import { LocalUserDirectory } from '../../src/shell/local-user-directory';

describe('shell/local-user-directory', () => {
  it('accepts any user as an active member, saying it did not check', async () => {
    await expect(new LocalUserDirectory().lookup('U0BOB')).resolves.toEqual({
      id: 'U0BOB',
      deleted: false,
      bot: false,
      guest: false,
      inTeam: true,
      verified: false,
    });
  });
});
