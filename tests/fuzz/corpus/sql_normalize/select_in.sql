SELECT "col2", t1.a FROM t1 WHERE id IN (1, 2, 3) AND name = :name -- trailing
;;