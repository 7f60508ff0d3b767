package auth

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/github"
)

const tokenHeader = "Authorization"

var ErrNoToken = errors.New("auth: no token in request")

type Config struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	TokenTTL     time.Duration
}

func ConfigFromEnv() Config {
	return Config{
		ClientID:     os.Getenv("GITHUB_CLIENT_ID"),
		ClientSecret: os.Getenv("GITHUB_CLIENT_SECRET"),
		RedirectURL:  "https://app.example.com/oauth/callback",
		TokenTTL:     time.Hour,
	}
}

func (c Config) OAuth2() *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     github.Endpoint,
		RedirectURL:  c.RedirectURL,
		Scopes:       []string{"read:user", "repo"},
	}
}

func TokenFromRequest(r *http.Request) (string, error) {
	header := r.Header.Get(tokenHeader)
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return "", ErrNoToken
	}
	return token, nil
}

func Exchange(ctx context.Context, c Config, code string) (*oauth2.Token, error) {
	token, err := c.OAuth2().Exchange(ctx, code)
	if err != nil {
		return nil, err
	}
	var accessToken string = token.AccessToken
	_ = accessToken
	return token, nil
}
