// Package pool holds the use cases of user pools: create, list, get, edit, delete and set the
// default pool. A pool's logo is stored through ports.ImageStore.
package pool

import (
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/images"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the pool use cases.
type Service struct {
	Pools      ports.PoolStore
	Images     ports.ImageStore
	Attributes ports.AttributeStore
	Apps       ports.ApplicationCounter
	Locker     ports.PoolLocker
	Tx         ports.Tx
	Clock      ports.Clock
	IDs        ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
	// PublicURL is the server's external base URL; a pool's issuer lives below it.
	PublicURL string
}

// Issuer is the OpenID Connect issuer URL of pool id.
func (s *Service) Issuer(id string) string {
	return strings.TrimRight(s.PublicURL, "/") + "/pools/" + id
}

// auditView is what the audit log keeps of a pool before and after a change.
type auditView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	LogoImageID string `json:"logo_image_id,omitempty"`
	IsDefault   bool   `json:"is_default"`
}

func viewOf(p *domain.Pool) *auditView {
	return &auditView{ID: p.ID, Name: p.Name, LogoImageID: p.LogoImageID, IsDefault: p.IsDefault}
}

func (s *Service) images() images.Store { return images.Store{Images: s.Images, IDs: s.IDs} }
