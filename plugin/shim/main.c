/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder until the shim front end lands */
int main(void);
int main(void) { return 1; }
