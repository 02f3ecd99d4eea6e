module example.com/deepprog

go 1.23
