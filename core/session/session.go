// Package session issues the tokens of a sign-in: an access token and an ID token signed for the
// application, and an opaque refresh token (stored only as its SHA-256) when the application
// enables refresh tokens. The token endpoint's grants all end here.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// GrantRequest is a token request as the endpoint received it, after client authentication.
// Each grant reads the fields it needs.
type GrantRequest struct {
	GrantType    string
	Scope        string
	AuthSourceID string
	PhoneNumber  string
	Email        string
	OTPToken     string
	OTP          string
	AutoSignup   bool
	RefreshToken string
	// IP and UserAgent describe the caller, for the audit log and limits.
	IP        string
	UserAgent string
}

// Grant exchanges a grant for tokens; the token endpoint dispatches on GrantType to one.
type Grant func(ctx context.Context, app *domain.Application, req GrantRequest) (*TokenResponse, error)

// TokenResponse is the token endpoint's success answer.
type TokenResponse struct {
	AccessToken  string
	TokenType    string
	ExpiresIn    int
	Scope        string
	IDToken      string
	RefreshToken string
}

// Service issues tokens, and refreshes, revokes, introspects them and answers userinfo.
type Service struct {
	Tokens  *token.Service
	Refresh ports.RefreshTokenStore
	Clock   ports.Clock
	IDs     ports.IDs
	// Revoked is the denylist of revoked access tokens.
	Revoked ports.RevokedTokenStore
	Users   ports.UserStore
	Apps    ports.ApplicationStore
	Tx      ports.Tx
	// Audit records REFRESH, LOGOUT and client credentials LOGIN events.
	Audit audit.Recorder

	rotationsOnce sync.Once
	rotations     *groupcommit.Batcher[*rotation] // see rotate
}

// IssueRequest describes a completed sign-in.
type IssueRequest struct {
	App      *domain.Application
	User     *domain.User
	AMR      []string
	AuthTime time.Time
	// FamilyID continues a refresh token family (refresh grant); empty starts a new one.
	FamilyID string
}

// Issue mints the access and ID tokens with the application's algorithm, lifetime and claims,
// and stores a refresh token when the application enables them.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (*TokenResponse, error) {
	issued, err := s.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.Keep(ctx, issued); err != nil {
		return nil, err
	}
	return issued.Response, nil
}

// Keep stores what Prepare issued: its refresh token, if any.
func (s *Service) Keep(ctx context.Context, issued *Issued) error {
	if issued.RefreshToken == nil {
		return nil
	}
	return s.Refresh.Insert(ctx, issued.RefreshToken)
}

// Issued is a sign-in's tokens before anything is stored: the answer, and the refresh token it
// carries (nil when the application issues none), which the sign-in stores with its own
// writes.
type Issued struct {
	Response     *TokenResponse
	RefreshToken *domain.RefreshToken
}

// Prepare is Issue without storing the refresh token: a sign-in that commits its writes
// together mints first, so that tokens it could not mint leave nothing written.
func (s *Service) Prepare(ctx context.Context, req IssueRequest) (*Issued, error) {
	resp, err := s.mint(ctx, req)
	if err != nil {
		return nil, err
	}
	issued := &Issued{Response: resp}
	if req.App.RefreshTokenEnabled {
		if resp.RefreshToken, issued.RefreshToken, err = s.buildRefreshToken(req, resp.Scope); err != nil {
			return nil, err
		}
	}
	return issued, nil
}

// mint signs the access and ID tokens of a sign-in, touching no table (the refresh grant signs
// before its transaction so no lock is held while signing).
func (s *Service) mint(ctx context.Context, req IssueRequest) (*TokenResponse, error) {
	app, user := req.App, req.User
	ttl := s.Tokens.Lifetime(app.AccessTokenTTL)
	tokens, err := s.Tokens.Mint(ctx, token.MintRequest{
		PoolID: app.PoolID, ClientID: app.ClientID, Alg: string(app.SigningAlg),
		AccessTTL: ttl, IDTokenTTL: ttl, Subject: user.ID, Scope: []string{"openid"},
		AMR: req.AMR, AuthTime: req.AuthTime, ExtraClaims: Claims(app, user),
	})
	if err != nil {
		return nil, err
	}
	return &TokenResponse{AccessToken: tokens.AccessToken, TokenType: tokens.TokenType, ExpiresIn: tokens.ExpiresIn,
		Scope: tokens.Scope, IDToken: tokens.IDToken}, nil
}

// buildRefreshToken makes a new refresh token (the opaque value and its stored form) of req's
// family, or of a new family.
func (s *Service) buildRefreshToken(req IssueRequest, scope string) (string, *domain.RefreshToken, error) {
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, domain.Internal("refresh token", err)
	}
	opaque := base64.RawURLEncoding.EncodeToString(raw)
	now := s.Clock.Now()
	family := req.FamilyID
	if family == "" {
		family = s.IDs.NewID()
	}
	t := &domain.RefreshToken{ID: s.IDs.NewID(), PoolID: req.App.PoolID, ApplicationID: req.App.ID, UserID: req.User.ID,
		FamilyID: family, TokenHash: HashRefreshToken(opaque), Scope: scope, AMR: req.AMR, AuthTime: req.AuthTime,
		ExpiresAt: now.Add(time.Duration(req.App.RefreshTokenTTL) * time.Second), CreatedAt: now}
	return opaque, t, nil
}

// HashRefreshToken is the stored form of a refresh token: SHA-256 suffices for 384 random bits.
func HashRefreshToken(opaque string) string {
	sum := sha256.Sum256([]byte(opaque))
	return hex.EncodeToString(sum[:])
}

// WithClaimAttributes returns u (a users row, as FindRow reads it) ready for app's claims: u
// itself when they name no custom attribute, else the user re-read with its attribute values
// (nil when it no longer exists).
func WithClaimAttributes(ctx context.Context, users ports.UserStore, app *domain.Application, u *domain.User) (*domain.User, error) {
	if u == nil || !claimsNeedAttributes(app) {
		return u, nil
	}
	full, err := users.FindBy(ctx, app.PoolID, ports.ByID, u.ID)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, nil
	}
	return full, err
}

func claimsNeedAttributes(app *domain.Application) bool {
	for _, name := range app.Claims {
		if name != domain.AttrUserName && name != domain.AttrEmail && name != domain.AttrPhoneNumber {
			return true
		}
	}
	return false
}

// Claims are the application's configured claims taken from the user: built-in attributes by
// their attribute names, and any other attribute value the user has.
func Claims(app *domain.Application, user *domain.User) map[string]any {
	if len(app.Claims) == 0 {
		return nil
	}
	out := make(map[string]any, len(app.Claims))
	for _, name := range app.Claims {
		switch name {
		case domain.AttrUserName:
			putNonEmpty(out, "preferred_username", user.UserName)
		case domain.AttrEmail:
			putNonEmpty(out, "email", user.Email)
		case domain.AttrPhoneNumber:
			putNonEmpty(out, "phone_number", user.PhoneNumber)
		default:
			if v, ok := user.Attributes[name]; ok {
				out[name] = v
			}
		}
	}
	return out
}

func putNonEmpty(m map[string]any, k, v string) {
	if strings.TrimSpace(v) != "" {
		m[k] = v
	}
}
