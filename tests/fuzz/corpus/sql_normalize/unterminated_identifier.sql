SELECT "col2", t 2Ì 3) AND name"= :name -- trailD name = n:eam -- trailing
;;