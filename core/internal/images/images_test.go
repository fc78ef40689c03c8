package images_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/core/internal/images"
)

func TestReplaceSwapsTheReferenceAndLeavesTheOldImageToTheCaller(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	store := &fake.Images{}
	s := images.Store{Images: store, IDs: &fake.IDs{}}

	ref, err := s.Put(ctx, "p1", "image/png", []byte("first"), now)
	if err != nil || store.M[ref].PoolID != "p1" || string(store.M[ref].Data) != "first" {
		t.Fatalf("put: %q %v %+v", ref, err, store.M)
	}
	first := ref
	replaced, err := s.Replace(ctx, &ref, "p1", "image/png", []byte("second"), now)
	if err != nil || replaced != first || ref == first || string(store.M[ref].Data) != "second" {
		t.Fatalf("replace: ref %q replaced %q %v", ref, replaced, err)
	}
	if _, ok := store.M[first]; !ok {
		t.Fatal("the replaced image went before the caller wrote the new reference")
	}
	if err := s.Delete(ctx, replaced); err != nil || len(store.M) != 1 {
		t.Fatalf("delete: %v, %d images left", err, len(store.M))
	}

	// Empty data removes the image: the reference points at none.
	second := ref
	if replaced, err = s.Replace(ctx, &ref, "p1", "", nil, now); err != nil || ref != "" || replaced != second {
		t.Fatalf("remove: ref %q replaced %q %v", ref, replaced, err)
	}
	if err := s.Delete(ctx, ""); err != nil {
		t.Fatalf("deleting no image: %v", err)
	}
}
