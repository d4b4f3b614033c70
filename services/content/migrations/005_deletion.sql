-- Staff may delete drafts and archived records (SPEC section 4, ADR 0013): a copy
-- outlives its original (duplicated_from is cleared), and what belongs to the record
-- alone goes with it.
ALTER TABLE articles DROP CONSTRAINT articles_duplicated_from_fkey,
  ADD CONSTRAINT articles_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES articles (id) ON DELETE SET NULL;
ALTER TABLE article_images DROP CONSTRAINT article_images_article_id_fkey,
  ADD CONSTRAINT article_images_article_id_fkey FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE;
