package authsource

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes a source and its icon. The rule, chosen so that no application is left
// pointing at a missing source and no configured flow silently breaks:
//   - preferred login source of an application → refused, auth_source_in_use (as in the guide);
//   - registration OTP source or MFA source of an application → refused, auth_source_in_use,
//     because those flows cannot work without it; reconfigure them first;
//   - associated (alternative) login source only → deleted, and removed from those
//     applications' associated lists in the same transaction; the warning names them.
func (s *Service) Delete(ctx context.Context, poolID, id string) (*Warning, error) {
	var warn *Warning
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		src, err := s.Sources.Get(ctx, poolID, id)
		if err != nil {
			return err
		}
		apps, err := s.Apps.All(ctx, poolID)
		if err != nil {
			return err
		}
		var preferred, flows, associated []domain.AppRef
		for i := range apps {
			a := &apps[i]
			ref := domain.AppRef{ID: a.ID, Name: a.Name}
			p := &a.Process
			switch {
			case p.Login.PreferredSourceID == id:
				preferred = append(preferred, ref)
			case p.Registration.SMSOTPSourceID == id, p.Registration.EmailOTPSourceID == id, p.MFA.SourceID == id:
				flows = append(flows, ref)
			case slices.Contains(p.Login.AssociatedSourceIDs, id):
				associated = append(associated, ref)
			}
		}
		if len(preferred) > 0 {
			return inUse("delete", preferred)
		}
		if len(flows) > 0 {
			details := make([]domain.FieldError, len(flows))
			for i, a := range flows {
				details[i] = domain.FieldError{Field: "applications[" + a.ID + "]", Reason: "uses this source for registration or MFA: " + a.Name}
			}
			return domain.Conflict("auth_source_in_use",
				"The source is used for registration or MFA by some applications; reconfigure them before you delete it.", details...)
		}
		for _, a := range associated {
			_, err := s.Apps.Update(ctx, poolID, a.ID, func(app *domain.Application) error {
				app.Process.Login.AssociatedSourceIDs = slices.DeleteFunc(app.Process.Login.AssociatedSourceIDs,
					func(s string) bool { return s == id })
				app.UpdatedAt = s.Clock.Now()
				return nil
			})
			if err != nil {
				return err
			}
		}
		if len(associated) > 0 {
			warn = &Warning{Code: WarningAssociatedApplications, Applications: associated}
		}
		if err := s.Sources.Delete(ctx, poolID, id); err != nil {
			return err
		}
		if err := s.images().Delete(ctx, src.IconImageID); err != nil {
			return err
		}
		// The applications it was removed from are named here rather than given rows of
		// their own: the change is this deletion.
		verb := "Deleted"
		if len(associated) > 0 {
			names := make([]string, len(associated))
			for i, a := range associated {
				names[i] = a.Name + " (" + a.ID + ")"
			}
			verb = "Removed from the associated login sources of " + strings.Join(names, ", ") + " and deleted"
		}
		return s.record(ctx, ActionDelete, verb, viewOf(src), nil, poolID)
	})
	if err != nil {
		return nil, err
	}
	return warn, nil
}
