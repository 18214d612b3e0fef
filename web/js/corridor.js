export function initCorridor() {}
