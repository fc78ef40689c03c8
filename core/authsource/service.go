// Package authsource holds the use cases of a pool's general authentication sources
// (username-password, SMS OTP, email OTP): create, list, read, edit (only while disabled),
// enable, disable and delete (guarded by the applications that use the source), test a
// password against a source's policy, send a test OTP message through an OTP source, and find
// the source an application may use. Every change is audited in its transaction, and an OTP
// source's code length is kept within its channel connector's x-max-code-length.
package authsource

import (
	"cmp"
	"context"
	"fmt"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/images"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the authentication source use cases.
type Service struct {
	Pools   ports.PoolStore
	Sources ports.AuthSourceStore
	Apps    ports.ApplicationStore
	Images  ports.ImageStore
	Locker  ports.PoolLocker
	Tx      ports.Tx
	Clock   ports.Clock
	IDs     ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
	// Messages sends test OTP messages and tells the longest code the pool's connectors take;
	// nil skips the connector's code-length rule (and test sends fail as unavailable).
	Messages Messages
}

// Messages is what the source use cases need of the pool message service (*messaging.Service).
type Messages interface {
	Send(ctx context.Context, m messaging.Message) (domain.Delivery, error)
	// MaxCodeLength is the longest verification code the connector carrying the pool's
	// messages on channel accepts (0: no limit), and that connector's type name.
	MaxCodeLength(ctx context.Context, poolID, channel string) (int, string, error)
}

// Audited actions.
const (
	ActionCreate  = "auth_source.create"
	ActionUpdate  = "auth_source.update"
	ActionDelete  = "auth_source.delete"
	ActionEnable  = "auth_source.enable"
	ActionDisable = "auth_source.disable"
)

// auditView is what the audit log keeps of a source.
type auditView struct {
	ID          string                  `json:"id"`
	Type        string                  `json:"type"`
	Name        string                  `json:"name"`
	IconImageID string                  `json:"icon_image_id,omitempty"`
	Attribute   string                  `json:"attribute"`
	Description string                  `json:"description"`
	Enabled     bool                    `json:"enabled"`
	Policy      domain.AuthSourcePolicy `json:"policy"`
}

func viewOf(src *domain.AuthSource) *auditView {
	if src == nil {
		return nil
	}
	p := src.Policy
	if p.Lockout != nil {
		l := *p.Lockout
		p.Lockout = &l
	}
	if p.Captcha != nil {
		c := *p.Captcha
		p.Captcha = &c
	}
	return &auditView{ID: src.ID, Type: string(src.Type), Name: src.Name, IconImageID: src.IconImageID,
		Attribute: src.Attribute, Description: src.Description, Enabled: src.Enabled, Policy: p}
}

// record writes one admin change of a source; before or after is nil for a create or delete.
func (s *Service) record(ctx context.Context, action, verb string, before, after *auditView, poolID string) error {
	v := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, poolID, action, "auth_source", v.ID, verb+" authentication source "+v.Name, before, after)
}

// CodeTooLong is the code of an OTP source whose code is longer than the pool's connector for
// its channel accepts (Tencent Cloud SMS: 6 digits).
const CodeTooLong = "code_length_exceeds_connector"

// checkCodeLength applies the connector's code-length limit (its schema's x-max-code-length)
// to an OTP source, so a source is never saved or enabled with codes its connector refuses.
func (s *Service) checkCodeLength(ctx context.Context, src *domain.AuthSource) error {
	if s.Messages == nil || !src.Type.IsOTP() {
		return nil
	}
	channel := domain.ChannelSMS
	if src.Type == domain.SourceEmailOTP {
		channel = domain.ChannelEmail
	}
	limit, connector, err := s.Messages.MaxCodeLength(ctx, src.PoolID, channel)
	if err != nil {
		return err
	}
	if limit > 0 && src.Policy.CodeLength > limit {
		return domain.Invalid(CodeTooLong,
			fmt.Sprintf("The pool's %s connector (%s) accepts codes of at most %d characters.", channel, connector, limit),
			domain.FieldError{Field: "policy.code_length", Reason: fmt.Sprintf("must be at most %d for the %s connector", limit, connector)})
	}
	return nil
}

func (s *Service) images() images.Store { return images.Store{Images: s.Images, IDs: s.IDs} }
