// Media types by what a browser does with them: the raster images a page may draw as a work's image.

/** Raster types a browser draws without running anything: a work's file of one of them may be shown as its image. */
export const DRAWN_IMAGE = /^image\/(png|jpeg|gif|webp|avif)$/;

/** The largest picture a creator's profile may name among a server's uploads, in bytes: shown small, kept while named. */
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
