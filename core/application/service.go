// Package application holds the use cases of a pool's applications: create, list, read,
// configure (basic information, parameters, process configuration, CORS), enable, disable,
// delete, rotate the client secret, and verify a client's credentials for the token endpoint.
package application

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/images"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the application use cases.
type Service struct {
	Pools      ports.PoolStore
	Apps       ports.ApplicationStore
	Sources    ports.AuthSourceStore
	Attributes ports.AttributeStore
	Groups     ports.GroupLookup
	Images     ports.ImageStore
	Locker     ports.PoolLocker
	Secrets    ports.SecretHasher
	Tx         ports.Tx
	Clock      ports.Clock
	IDs        ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
}

// Audited actions.
const (
	ActionCreate       = "application.create"
	ActionUpdate       = "application.update"
	ActionDelete       = "application.delete"
	ActionEnable       = "application.enable"
	ActionDisable      = "application.disable"
	ActionRotateSecret = "application.rotate_secret"
)

// auditView is what the audit log keeps of an application: never the client secret or its
// hash, only whether one is set.
type auditView struct {
	ID                  string         `json:"id"`
	Type                string         `json:"type"`
	Name                string         `json:"name"`
	IconImageID         string         `json:"icon_image_id,omitempty"`
	Industry            string         `json:"industry,omitempty"`
	Description         string         `json:"description,omitempty"`
	ClientID            string         `json:"client_id"`
	HasClientSecret     bool           `json:"has_client_secret"`
	Enabled             bool           `json:"enabled"`
	RedirectURIs        []string       `json:"redirect_uris"`
	LogoutRedirectURIs  []string       `json:"logout_redirect_uris"`
	AccessTokenTTL      int            `json:"access_token_validity"`
	RefreshTokenEnabled bool           `json:"refresh_token_enabled"`
	RefreshTokenTTL     int            `json:"refresh_token_validity"`
	SigningAlg          string         `json:"signing_algorithm"`
	Claims              []string       `json:"claims"`
	Process             domain.Process `json:"process"`
	CORSOrigins         []string       `json:"cors_origins"`
}

func viewOf(a *domain.Application) *auditView {
	if a == nil {
		return nil
	}
	c := a
	return &auditView{ID: c.ID, Type: string(c.Type), Name: c.Name, IconImageID: c.IconImageID, Industry: c.Industry,
		Description: c.Description, ClientID: c.ClientID, HasClientSecret: c.HasSecret(), Enabled: c.Enabled,
		RedirectURIs: slices.Clone(c.RedirectURIs), LogoutRedirectURIs: slices.Clone(c.LogoutRedirectURIs),
		AccessTokenTTL: c.AccessTokenTTL, RefreshTokenEnabled: c.RefreshTokenEnabled, RefreshTokenTTL: c.RefreshTokenTTL,
		SigningAlg: string(c.SigningAlg), Claims: slices.Clone(c.Claims), Process: cloneProcess(c.Process),
		CORSOrigins: slices.Clone(c.CORSOrigins)}
}

func cloneProcess(p domain.Process) domain.Process {
	p.Login.AssociatedSourceIDs = slices.Clone(p.Login.AssociatedSourceIDs)
	p.Registration.GeneralAttributes = slices.Clone(p.Registration.GeneralAttributes)
	p.Registration.ConsentStatements = slices.Clone(p.Registration.ConsentStatements)
	p.Login.ConsentStatements = slices.Clone(p.Login.ConsentStatements)
	return p
}

// record writes one admin change of an application; before or after is nil for a create or
// delete. The views are taken before the call, as the stored object may change afterwards.
func (s *Service) record(ctx context.Context, action, verb string, before, after *auditView, poolID string) error {
	v := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, poolID, action, "application", v.ID, verb+" application "+v.Name, before, after)
}

// randomToken is n random bytes, URL-safe base64 without padding.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", domain.Internal("random token", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newClientID is 24 random bytes (32 characters): unguessable and unique in practice; the
// store's unique index guards the rest.
func newClientID() (string, error) { return randomToken(24) }

// newClientSecret is 32 random bytes (43 characters), 256 bits of entropy.
func newClientSecret() (string, error) { return randomToken(32) }

func (s *Service) images() images.Store { return images.Store{Images: s.Images, IDs: s.IDs} }
