// checks that a buffer starts in RAM, not that it ends there
//@ TODO 2
	if (gpa >= RAM_SIZE)
		return NULL;
	return mem + gpa;
