package ghtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// tokenLifetime is how long GitHub's installation tokens live.
const tokenLifetime = time.Hour

func parseRSAKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key is not RSA")
	}
	return key, nil
}

// authenticate checks the credentials GitHub would demand: an RS256 app JWT
// for /app endpoints, an unexpired installation token for the rest.
func (s *Server) authenticate(c *call) bool {
	scheme, cred, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	if strings.HasPrefix(c.op.ID, "apps/") {
		if !strings.EqualFold(scheme, "Bearer") {
			c.fail(http.StatusUnauthorized, "A JSON web token could not be decoded")
			return false
		}
		if err := s.verifyJWT(cred); err != nil {
			s.t.Logf("ghtest: %s: app JWT refused: %v", c.op.ID, err)
			c.fail(http.StatusUnauthorized, "A JSON web token could not be decoded")
			return false
		}
		return true
	}
	if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer") {
		c.fail(http.StatusUnauthorized, "Requires authentication")
		return false
	}
	s.mu.Lock()
	expiry, ok := s.tokens[cred]
	s.mu.Unlock()
	if !ok || s.now().After(expiry) {
		c.fail(http.StatusUnauthorized, "Bad credentials")
		return false
	}
	c.bot = true
	return true
}

func (s *Server) verifyJWT(raw string) error {
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		if tok.Method.Alg() != jwt.SigningMethodRS256.Alg() {
			return nil, fmt.Errorf("signed with %s, GitHub wants RS256", tok.Method.Alg())
		}
		return &s.key.PublicKey, nil
	})
	if err != nil {
		return err
	}
	if claims.Issuer != strconv.FormatInt(s.AppID, 10) {
		return fmt.Errorf("issuer %q, want the app id %d", claims.Issuer, s.AppID)
	}
	if claims.ExpiresAt == nil || claims.IssuedAt == nil {
		return errors.New("exp and iat are required")
	}
	if claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 10*time.Minute {
		return errors.New("exp is more than 10 minutes after iat")
	}
	return nil
}

// Token issues an installation token directly, for tests that fetch Git
// without going through the app flow.
func (s *Server) Token() string {
	buf := make([]byte, 20)
	_, _ = rand.Read(buf)
	tok := "ghs_" + hex.EncodeToString(buf)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(tokenLifetime)
	s.mu.Unlock()
	return tok
}

// validToken reports whether tok is a live installation token.
func (s *Server) validToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry, ok := s.tokens[tok]
	return ok && s.now().Before(expiry)
}

type rateState struct {
	limit, remaining int
	reset            time.Time
}

// Callers with their own primary quota: the app (JWT) and the
// installation (its tokens), as GitHub counts them.
const (
	callerApp          = "app"
	callerInstallation = "installation"
)

// callerOf tells whose quota a request spends from its credentials.
func callerOf(r *http.Request) string {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && strings.Count(cred, ".") == 2 {
		return callerApp
	}
	return callerInstallation
}

// rateOf returns caller's quota, renewed once its reset has passed. Call
// with s.mu held.
func (s *Server) rateOf(caller string) *rateState {
	now := s.now()
	rs := s.rate[caller]
	if rs == nil {
		rs = &rateState{limit: s.rateLimit, remaining: s.rateLimit, reset: now.Add(time.Hour)}
		s.rate[caller] = rs
	}
	if now.After(rs.reset) {
		rs.remaining, rs.reset = rs.limit, now.Add(time.Hour)
	}
	return rs
}

// ExhaustRateLimit empties the installation's primary quota until reset.
func (s *Server) ExhaustRateLimit(reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.rateOf(callerInstallation)
	rs.remaining, rs.reset = 0, reset
}

// ExhaustAppRateLimit empties the app's own (JWT) primary quota until reset.
func (s *Server) ExhaustAppRateLimit(reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.rateOf(callerApp)
	rs.remaining, rs.reset = 0, reset
}

// RevokeTokens revokes every installation token, as an installation's
// suspension or token rotation does: requests with them get 401 and a new
// token must be minted.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// spendRateLimit sets the x-ratelimit headers GitHub sends on every response
// and refuses the request once the caller's quota is spent.
func (s *Server) spendRateLimit(c *call) bool {
	caller := callerOf(c.r)
	s.mu.Lock()
	rs := s.rateOf(caller)
	exhausted := rs.remaining <= 0
	if !exhausted && c.op.ID != "rate-limit/get" {
		rs.remaining--
	}
	s.mu.Unlock()
	s.rateHeaders(c.w.Header(), caller)
	if exhausted {
		msg := "API rate limit exceeded for installation ID " + strconv.FormatInt(s.InstallationID, 10) + "."
		if caller == callerApp {
			msg = "API rate limit exceeded for app ID " + strconv.FormatInt(s.AppID, 10) + "."
		}
		c.fail(http.StatusForbidden, msg)
		return false
	}
	return true
}

// rateHeaders sets the x-ratelimit headers GitHub sends on every response,
// with the figures of the caller's quota.
func (s *Server) rateHeaders(h http.Header, caller string) {
	s.mu.Lock()
	rs := *s.rateOf(caller)
	s.mu.Unlock()
	h.Set("X-RateLimit-Limit", strconv.Itoa(rs.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rs.remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(rs.limit-rs.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(rs.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

func (s *Server) getRateLimit(c *call) {
	s.mu.Lock()
	rs := *s.rateOf(callerOf(c.r))
	s.mu.Unlock()
	core := map[string]any{"limit": rs.limit, "remaining": rs.remaining, "used": rs.limit - rs.remaining, "reset": rs.reset.Unix()}
	c.json(http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}
