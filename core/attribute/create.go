package attribute

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest defines a custom attribute. Masking defaults to none.
type CreateRequest struct {
	PoolID     string
	Name       string
	Label      string
	Type       domain.FieldType
	Options    []string
	Masking    domain.Masking
	Regex      string
	RegexError string
	Enabled    bool
}

// Create adds a custom attribute to a pool; its name must be unused in the pool.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*View, error) {
	if req.Masking.Rule == "" {
		req.Masking.Rule = domain.MaskNone
	}
	now := s.Clock.Now()
	a := domain.Attribute{ID: s.IDs.NewID(), PoolID: req.PoolID, Name: req.Name, Label: req.Label,
		Source: domain.AttributeCustom, Type: req.Type, Options: req.Options, Masking: req.Masking,
		Regex: req.Regex, RegexError: req.RegexError, Enabled: req.Enabled, CreatedAt: now, UpdatedAt: now}
	if err := domain.ValidateAttribute(&a); err != nil {
		return nil, err
	}
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.pool(ctx, req.PoolID); err != nil {
			return err
		}
		if err := s.Attributes.Create(ctx, a); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, &a)
	})
	if err != nil {
		return nil, err
	}
	return &View{Attribute: a}, nil
}
