package attribute

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
)

// reference is an application of the pool that names an attribute, and where.
type reference struct {
	domain.AppRef
	use domain.AttributeUse
}

func (r reference) where() string {
	switch {
	case r.use.Claim && r.use.General:
		return "as a token claim and a registration general attribute"
	case r.use.Claim:
		return "as a token claim"
	default:
		return "as a registration general attribute"
	}
}

// references lists the applications of the pool that name the attribute. Call it under the
// pool lock, which application create and update take too, so the list stays true until the
// transaction ends.
func (s *Service) references(ctx context.Context, poolID, name string) ([]reference, error) {
	apps, err := s.Apps.All(ctx, poolID)
	if err != nil {
		return nil, err
	}
	var refs []reference
	for i := range apps {
		if use := apps[i].UsesAttribute(name); use.Any() {
			refs = append(refs, reference{AppRef: domain.AppRef{ID: apps[i].ID, Name: apps[i].Name}, use: use})
		}
	}
	return refs, nil
}

// maxNamed bounds the applications an error description names; its details list every one.
const maxNamed = 3

// names lists the applications by name, the first maxNamed of them when there are more.
func names(refs []reference) string {
	var b strings.Builder
	for i, r := range refs[:min(len(refs), maxNamed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.Name)
	}
	if len(refs) > maxNamed {
		fmt.Fprintf(&b, " and %d more", len(refs)-maxNamed)
	}
	return b.String()
}

func details(refs []reference) []domain.FieldError {
	out := make([]domain.FieldError, len(refs))
	for i, r := range refs {
		out[i] = domain.FieldError{Field: "applications[" + r.ID + "]", Reason: "names this attribute " + r.where() + ": " + r.Name}
	}
	return out
}

// errReferenced refuses to delete an attribute that applications name: their tokens would
// silently lose the claim and their sign-up pages would ask for a field that is gone.
func errReferenced(refs []reference) error {
	return domain.Conflict(CodeReferenced, "The attribute is used by the applications "+names(refs)+
		"; remove it from their claims and registration general attributes before you delete it.", details(refs)...)
}

// checkClaimName refuses a new name that the applications using the attribute as a claim could
// not carry: the server sets registered claims itself.
func checkClaimName(name string, refs []reference) error {
	if !token.ReservedClaims[name] {
		return nil
	}
	var claims []reference
	for _, r := range refs {
		if r.use.Claim {
			claims = append(claims, r)
		}
	}
	if len(claims) == 0 {
		return nil
	}
	return domain.Conflict(CodeReferenced, "The applications "+names(claims)+" release this attribute as a token claim, and "+
		name+" is a registered claim the server sets itself; choose another name or remove the claim first.",
		append([]domain.FieldError{{Field: "name", Reason: "is a registered claim name"}}, details(claims)...)...)
}

// rename moves the applications' references from the old name to the new one.
func (s *Service) rename(ctx context.Context, poolID, old, renamed string, refs []reference) error {
	for _, r := range refs {
		_, err := s.Apps.Update(ctx, poolID, r.ID, func(app *domain.Application) error {
			app.RenameAttribute(old, renamed)
			app.UpdatedAt = s.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// editedVerb opens the audit details of an edit. The applications a rename changed are part of
// that edit: its row names them rather than each getting a row of its own, as a deleted source
// does for the applications it leaves.
func editedVerb(renamedIn []reference) string {
	if len(renamedIn) == 0 {
		return "Edited"
	}
	list := make([]string, len(renamedIn))
	for i, r := range renamedIn {
		list[i] = r.Name + " (" + r.ID + ")"
	}
	return "Renamed in the applications " + strings.Join(list, ", ") + " and edited"
}
