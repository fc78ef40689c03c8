package attribute

import (
	"context"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest edits an attribute; nil fields stay as they are.
type UpdateRequest struct {
	PoolID     string
	Name       string // the attribute to edit
	NewName    *string
	Label      *string
	Type       *domain.FieldType
	Options    *[]string
	Masking    *domain.MaskRule
	KeepFirst  *int
	KeepLast   *int
	Regex      *string
	RegexError *string
	Enabled    *bool
}

// Update edits a preset or custom attribute. Built-in attributes are refused, and once a user
// holds a value for the attribute its name and field type are fixed (stored values would
// otherwise stop matching their definition). Changing the type away from enum drops the
// options; changing the masking rule away from keep drops the keep counts. A rename carries
// the applications' references (claims, registration general attributes) along in the same
// transaction, under the pool lock so no application starts naming the old name meanwhile.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*View, error) {
	var view View
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		var refs []reference
		if req.NewName != nil && *req.NewName != req.Name {
			if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
				return err
			}
			var err error
			if refs, err = s.references(ctx, req.PoolID, req.Name); err != nil {
				return err
			}
		}
		var inUse bool
		var before domain.Attribute
		updated, err := s.Attributes.Update(ctx, req.PoolID, req.Name, func(a *domain.Attribute) error {
			if a.Source == domain.AttributeBuiltin {
				return errBuiltin()
			}
			before = *a
			before.Options = slices.Clone(a.Options)
			// Asked with the attribute row locked, inside the same transaction.
			var err error
			if inUse, err = s.Attributes.InUse(ctx, req.PoolID, a.Name); err != nil {
				return err
			}
			renamed := req.NewName != nil && *req.NewName != a.Name
			retyped := req.Type != nil && *req.Type != a.Type
			if inUse && (renamed || retyped) {
				var details []domain.FieldError
				if renamed {
					details = append(details, domain.FieldError{Field: "name", Reason: "cannot change while users hold values"})
				}
				if retyped {
					details = append(details, domain.FieldError{Field: "field_type", Reason: "cannot change while users hold values"})
				}
				return domain.Conflict(CodeInUse, "Users hold values for this attribute; its name and field type are fixed.", details...)
			}
			apply(a, req)
			a.UpdatedAt = s.Clock.Now()
			if err := domain.ValidateAttribute(a); err != nil {
				return err
			}
			return checkClaimName(a.Name, refs)
		})
		if err != nil {
			return err
		}
		view = View{Attribute: *updated, InUse: inUse}
		if err := s.rename(ctx, req.PoolID, before.Name, updated.Name, refs); err != nil {
			return err
		}
		return s.record(ctx, ActionUpdate, editedVerb(refs), &before, updated)
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

func apply(a *domain.Attribute, req UpdateRequest) {
	if req.NewName != nil {
		a.Name = *req.NewName
	}
	if req.Label != nil {
		a.Label = *req.Label
	}
	if req.Type != nil {
		a.Type = *req.Type
		if a.Type != domain.FieldEnum && req.Options == nil {
			a.Options = nil
		}
	}
	if req.Options != nil {
		a.Options = *req.Options
	}
	if req.Masking != nil {
		a.Masking.Rule = *req.Masking
		if a.Masking.Rule != domain.MaskKeep {
			a.Masking.KeepFirst, a.Masking.KeepLast = 0, 0
		}
	}
	if req.KeepFirst != nil {
		a.Masking.KeepFirst = *req.KeepFirst
	}
	if req.KeepLast != nil {
		a.Masking.KeepLast = *req.KeepLast
	}
	if req.Regex != nil {
		a.Regex = *req.Regex
		if a.Regex == "" && req.RegexError == nil {
			a.RegexError = ""
		}
	}
	if req.RegexError != nil {
		a.RegexError = *req.RegexError
	}
	if req.Enabled != nil {
		a.Enabled = *req.Enabled
	}
}
