// Package user holds the use cases of a pool's users: create, list, view, edit, delete, lock,
// unlock, freeze, unfreeze and reset password. Built-in attributes are fields of domain.User;
// every other value is checked against the pool's attribute definitions.
package user

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the user use cases.
type Service struct {
	Pools      ports.PoolStore
	Attributes ports.AttributeStore
	Users      ports.UserStore
	Hasher     ports.PasswordHasher
	// Locker is the pool lock an attribute's rename, retype or delete holds; a write of
	// attribute values takes it to check them again (see recheckValues). Nil skips that check.
	Locker ports.PoolLocker
	Tx     ports.Tx
	Clock  ports.Clock
	IDs    ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
}

// Audited actions. A batch delete records one user.delete row per user, so each user's
// history ends with its own row.
const (
	ActionCreate        = "user.create"
	ActionUpdate        = "user.update"
	ActionDelete        = "user.delete"
	ActionLock          = "user.lock"
	ActionUnlock        = "user.unlock"
	ActionFreeze        = "user.freeze"
	ActionUnfreeze      = "user.unfreeze"
	ActionResetPassword = "user.reset_password"
)

// auditView is what the audit log keeps of a user: never the password or its hash.
type auditView struct {
	ID          string         `json:"id"`
	UserName    string         `json:"user_name"`
	Email       string         `json:"email"`
	PhoneNumber string         `json:"phone_number,omitempty"`
	Status      string         `json:"status"`
	LockType    string         `json:"lock_type,omitempty"`
	Frozen      bool           `json:"frozen"`
	ErrorCount  int            `json:"error_count"`
	GroupIDs    []string       `json:"group_ids"`
	Attributes  map[string]any `json:"attributes,omitempty"`
}

func viewOf(u *domain.User) *auditView {
	if u == nil {
		return nil
	}
	attrs := make(map[string]any, len(u.Attributes))
	for k, v := range u.Attributes {
		attrs[k] = v
	}
	return &auditView{ID: u.ID, UserName: u.UserName, Email: u.Email, PhoneNumber: u.PhoneNumber, Status: string(u.Status),
		LockType: string(u.LockType), Frozen: u.Frozen, ErrorCount: u.ErrorCount, GroupIDs: slices.Clone(u.GroupIDs), Attributes: attrs}
}

// record writes one admin change of a user; before or after is nil for a create or delete.
func (s *Service) record(ctx context.Context, action, details string, before, after *domain.User) error {
	u := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, u.PoolID, action, "user", u.ID, details+" user "+u.UserName, viewOf(before), viewOf(after))
}

// Limits of the user fields.
const (
	MaxUserNameLength = 128
	MinPasswordLength = 8
	MaxPasswordLength = 128
	MaxGroups         = 100
	MaxSearchLength   = 254
)

// NicknameAttribute is the preset attribute the top-level nickname field reads and writes.
const NicknameAttribute = "nickname"

// attributes loads a pool's attribute definitions by name; an unknown pool is not found.
func (s *Service) attributes(ctx context.Context, poolID string) (map[string]domain.Attribute, error) {
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return nil, err
	}
	list, err := s.Attributes.List(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return domain.AttributesByName(list), nil
}

// recheckValues checks the attribute values of a request again inside its transaction, under
// the pool lock: they were checked before it (and before the password's slow hash), and an
// attribute renamed, retyped or deleted meanwhile would otherwise be given a value under a name
// the pool no longer has.
func (s *Service) recheckValues(ctx context.Context, poolID string, values map[string]any, fields map[string]string) error {
	if s.Locker == nil || len(values) == 0 {
		return nil
	}
	if err := s.Locker.LockPool(ctx, poolID); err != nil {
		return err
	}
	list, err := s.Attributes.List(ctx, poolID) // the pool was read before, and is locked now
	if err != nil {
		return err
	}
	var p problems
	checkValues(&p, domain.AttributesByName(list), values, fields)
	return p.err()
}

// problems gathers field errors from several checks into one answer. When one of them carries
// a specific code (malformed_phone_number, malformed_email) the answer keeps that code.
type problems struct {
	details domain.Problems
	coded   *domain.Error
	other   error
}

func (p *problems) add(err error) {
	if err == nil {
		return
	}
	e, ok := domain.AsError(err)
	if !ok || e.Kind != domain.KindInvalid {
		if p.other == nil {
			p.other = err
		}
		return
	}
	if e.Code != domain.CodeInvalidRequest && p.coded == nil {
		p.coded = e
	}
	p.details = append(p.details, e.Details...)
}

func (p *problems) field(field, reason string) { p.details.Add(field, reason) }

func (p *problems) err() error {
	switch {
	case p.other != nil:
		return p.other
	case len(p.details) == 0 && p.coded == nil:
		return nil
	case p.coded != nil:
		return domain.Invalid(p.coded.Code, p.coded.Description, p.details...)
	default:
		return p.details.Err()
	}
}

// normalizeUserName trims and lowercases a username: 1–128 characters, no whitespace.
func normalizeUserName(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case s == "":
		return "", domain.InvalidField("user_name", "is required")
	case utf8.RuneCountInString(s) > MaxUserNameLength:
		return "", domain.InvalidField("user_name", "must be at most 128 characters")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "", domain.InvalidField("user_name", "must not contain whitespace")
	}
	return s, nil
}

func normalizeEmail(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", domain.InvalidField("email", "is required")
	}
	e, err := domain.NormalizeEmail(raw)
	if err != nil {
		return "", domain.Invalid(domain.ErrMalformedEmail.Code, domain.ErrMalformedEmail.Description,
			domain.FieldError{Field: "email", Reason: "must be an email address"})
	}
	return e, nil
}

// normalizePhone turns a phone number into E.164; "" stays "" (no phone).
func normalizePhone(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	p, err := domain.NormalizePhone(raw)
	if err != nil {
		return "", domain.Invalid(domain.ErrMalformedPhone.Code, domain.ErrMalformedPhone.Description,
			domain.FieldError{Field: "phone_number", Reason: "must be an 11-digit mainland mobile number or E.164 (+CC...)"})
	}
	return p, nil
}

func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n == 0:
		return domain.InvalidField("password", "is required")
	case n < MinPasswordLength || n > MaxPasswordLength:
		return domain.InvalidField("password", "must be between 8 and 128 characters")
	}
	return nil
}

func checkGroupIDs(ids []string) ([]string, error) {
	if len(ids) > MaxGroups {
		return nil, domain.InvalidField("group_ids", "must have at most 100 items")
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return nil, domain.InvalidField("group_ids", "must not contain empty ids")
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkValues validates attribute values given by name: each must be an enabled preset or
// custom attribute of the pool, and its value must pass domain.CheckValue. A nil or "" value
// means "no value" and is returned in remove. field renames the error field of one attribute
// (the nickname shortcut).
func checkValues(p *problems, attrs map[string]domain.Attribute, in map[string]any, field map[string]string) (set map[string]any, remove []string) {
	set = map[string]any{}
	for _, name := range sortedKeys(in) {
		raw := in[name]
		fieldName := domain.ValueField(name)
		if f, ok := field[name]; ok {
			fieldName = f
		}
		a, ok := attrs[name]
		switch {
		case !ok:
			p.field(fieldName, "is not an attribute of this pool")
			continue
		case a.Source == domain.AttributeBuiltin:
			p.field(fieldName, "is a built-in attribute; set it through its own field")
			continue
		case !a.Enabled && !isEmpty(raw):
			p.field(fieldName, "is disabled")
			continue
		}
		if isEmpty(raw) {
			remove = append(remove, name)
			continue
		}
		v, err := domain.CheckValue(&a, raw)
		if err != nil {
			if fieldName != domain.ValueField(name) {
				if e, ok := domain.AsError(err); ok {
					for i := range e.Details {
						e.Details[i].Field = fieldName
					}
				}
			}
			p.add(err)
			continue
		}
		set[name] = v
	}
	return set, remove
}

func isEmpty(v any) bool {
	s, ok := v.(string)
	return v == nil || (ok && s == "")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// withNickname folds the top-level nickname into the attribute values.
func withNickname(p *problems, attrs map[string]any, nickname *string) (map[string]any, map[string]string) {
	if nickname == nil {
		return attrs, nil
	}
	out := make(map[string]any, len(attrs)+1)
	for k, v := range attrs {
		out[k] = v
	}
	if _, both := out[NicknameAttribute]; both {
		p.field("nickname", "give nickname or attributes.nickname, not both")
		return attrs, nil
	}
	out[NicknameAttribute] = *nickname
	return out, map[string]string{NicknameAttribute: "nickname"}
}
