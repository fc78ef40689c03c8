package server_test

import (
	"fmt"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// Batch delete: a repeated or padded id names the same user once; an unknown id deletes
// nothing; more than 100 ids are refused.
func TestUserBatchDelete(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		base := "/admin/v1/pools/" + createPool(t, s, "Batch").ID
		ids := make([]string, 3)
		for i := range ids {
			var u struct{ ID string }
			s.Do("POST", base+"/users", map[string]any{"user_name": fmt.Sprint("user", i), "email": fmt.Sprintf("user%d@example.com", i), "password": "Passw0rd!long"}).Expect(201).Decode(&u)
			ids[i] = u.ID
		}
		s.Do("POST", base+"/users/batch-delete", map[string]any{"user_ids": []string{ids[2], "no-such-user"}}).ExpectError(404, "not_found")
		s.Do("GET", base+"/users/"+ids[2], nil).Expect(200)
		s.Do("POST", base+"/users/batch-delete", map[string]any{"user_ids": []string{ids[0], ids[0] + " ", ids[1], ids[0]}}).Expect(204)
		for _, id := range ids[:2] {
			s.Do("GET", base+"/users/"+id, nil).ExpectError(404, "not_found")
		}
		s.Do("GET", base+"/users/"+ids[2], nil).Expect(200)
		tooMany := make([]string, 101)
		for i := range tooMany {
			tooMany[i] = fmt.Sprint("id", i)
		}
		s.Do("POST", base+"/users/batch-delete", map[string]any{"user_ids": tooMany}).ExpectError(400, "invalid_request")
		s.Do("POST", base+"/users/batch-delete", map[string]any{"user_ids": []string{" "}}).ExpectError(400, "invalid_request")
	})
}

// A group an application's registration puts new users in cannot be deleted, alone or in a
// batch, until the application stops naming it.
func TestGroupInUseByRegistration(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		var g, other, app struct{ ID string }
		base := "/admin/v1/pools/" + createPool(t, s, "Groups").ID
		s.Do("POST", base+"/groups", map[string]any{"name": "New users"}).Expect(201).Decode(&g)
		s.Do("POST", base+"/groups", map[string]any{"name": "Other"}).Expect(201).Decode(&other)
		s.Do("POST", base+"/applications", map[string]any{"type": "web", "name": "Shop",
			"process": map[string]any{"registration": map[string]any{"group_id": g.ID}}}).Expect(201).Decode(&app)
		s.Do("DELETE", base+"/groups/"+g.ID, nil).ExpectError(409, "group_in_use")
		s.Do("POST", base+"/groups/batch-delete", map[string]any{"group_ids": []string{other.ID, g.ID}}).ExpectError(409, "group_in_use")
		s.Do("GET", base+"/groups/"+other.ID, nil).Expect(200) // the refused batch deleted nothing
		s.Do("PATCH", base+"/applications/"+app.ID, map[string]any{"process": map[string]any{"registration": map[string]any{"group_id": ""}}}).Expect(200)
		s.Do("DELETE", base+"/groups/"+g.ID, nil).Expect(204)
	})
}
