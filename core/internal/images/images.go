// Package images is the one way the use cases add, replace and remove the images (pool logos,
// application and authentication source icons) that objects point at by id.
package images

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Store stores a pool's images through the ports the services already hold.
type Store struct {
	Images ports.ImageStore
	IDs    ports.IDs
}

// Put stores data as a new image of the pool and returns its id.
func (s Store) Put(ctx context.Context, poolID, contentType string, data []byte, now time.Time) (string, error) {
	img := &domain.Image{ID: s.IDs.NewID(), PoolID: poolID, ContentType: contentType, Data: data, CreatedAt: now}
	if err := s.Images.Put(ctx, img); err != nil {
		return "", err
	}
	return img.ID, nil
}

// Replace points *ref at a new image of data, or at none when data is empty, and returns the
// id it pointed at before. That image is deleted (Delete) only once the object pointing at the
// new one is written, so an object never points at a deleted image.
func (s Store) Replace(ctx context.Context, ref *string, poolID, contentType string, data []byte, now time.Time) (replaced string, err error) {
	replaced = *ref
	id := ""
	if len(data) > 0 {
		if id, err = s.Put(ctx, poolID, contentType, data, now); err != nil {
			return "", err
		}
	}
	*ref = id
	return replaced, nil
}

// Delete deletes the image id names; "" names none.
func (s Store) Delete(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.Images.Delete(ctx, id)
}
