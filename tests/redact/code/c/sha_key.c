#include <stdint.h>
#include <string.h>
#include <pwd.h>

#define KEY_SIZE 32
#define TOKEN_MAX 256

typedef struct {
    uint8_t key[KEY_SIZE];
    uint32_t round_keys[60];
    int rounds;
} key_schedule;

static const char *token_names[] = {"IDENT", "NUMBER", "STRING", "PUNCT"};

void expand_key(key_schedule *ks, const uint8_t *key, size_t key_len) {
    memset(ks, 0, sizeof(*ks));
    memcpy(ks->key, key, key_len < KEY_SIZE ? key_len : KEY_SIZE);
    ks->rounds = key_len == 32 ? 14 : 10;
    for (int i = 0; i < ks->rounds * 4; i++) {
        ks->round_keys[i] = (uint32_t)ks->key[i % KEY_SIZE] << (i % 24);
    }
}

const char *home_of(const char *user) {
    struct passwd *pw = getpwnam(user);
    return pw ? pw->pw_dir : NULL;
}

int next_token(const char *src, char *token, size_t max) {
    size_t n = strcspn(src, " \t\n");
    if (n >= max) n = max - 1;
    memcpy(token, src, n);
    token[n] = '\0';
    return (int)n;
}
