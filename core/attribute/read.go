package attribute

import "context"

// List returns every attribute of a pool (built-in, preset, custom) in creation order.
func (s *Service) List(ctx context.Context, poolID string) ([]View, error) {
	if err := s.pool(ctx, poolID); err != nil {
		return nil, err
	}
	attrs, err := s.Attributes.List(ctx, poolID)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(attrs))
	for i, a := range attrs {
		out[i] = View{Attribute: a}
		if out[i].InUse, err = s.Attributes.InUse(ctx, poolID, a.Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Get returns one attribute of a pool by name.
func (s *Service) Get(ctx context.Context, poolID, name string) (*View, error) {
	a, err := s.Attributes.Get(ctx, poolID, name)
	if err != nil {
		return nil, err
	}
	inUse, err := s.Attributes.InUse(ctx, poolID, name)
	if err != nil {
		return nil, err
	}
	return &View{Attribute: *a, InUse: inUse}, nil
}
